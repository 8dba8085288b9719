import { expect, test } from "bun:test";
import { createRequire } from "node:module";
import { fixKafkajsIdlePolling } from "./kafkajs-idle-poll.ts";

type Queue = { pending: unknown[]; throttleCheckTimeoutId: unknown; scheduleCheckPendingRequests(): void };
const RequestQueue = createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js") as new (o: object) => Queue;
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const queue = () => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1_000, enforceRequestTimeout: false, clientId: "t", broker: "b", logger });

test("fixed, kafkajs' request queue arms no timer with nothing pending (unfixed: one that re-arms itself every millisecond), and still one with requests waiting", () => {
  fixKafkajsIdlePolling();
  const idle = queue();
  idle.scheduleCheckPendingRequests();
  const busy = queue();
  busy.pending.push({});
  busy.scheduleCheckPendingRequests();
  clearTimeout(busy.throttleCheckTimeoutId as ReturnType<typeof setTimeout>);
  expect({ idle: idle.throttleCheckTimeoutId, busy: busy.throttleCheckTimeoutId !== null }).toEqual({ idle: null, busy: true });
});
