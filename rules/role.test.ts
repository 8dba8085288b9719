/**
 * The `alerts` role on embedded defaults (no Postgres, in-process bus): webhooks are still
 * delivered, signed and once per alert id; delivery records live in memory.
 */
import { afterAll, expect, test } from "bun:test";
import { createMemoryBus } from "../infra/bus/memory.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { loadConfig } from "../infra/config/load.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { verifySignature } from "./alerts/sign.ts";
import { rulesMetrics } from "./metrics.ts";
import { createAlertDeliveryRole } from "./role.ts";

const secret = "embedded-role-webhook-secret";
const received: { id: string; signed: boolean }[] = [];
const receiver = Bun.serve({
  port: 0,
  async fetch(req) {
    const body = await req.text();
    received.push({ id: JSON.parse(body).id as string, signed: verifySignature(secret, body, req.headers.get("x-fluxgate-signature")) });
    return new Response("ok");
  },
});
const env = loadConfig({ FG_RULES_WEBHOOKS: JSON.stringify({ embedded: { url: `http://127.0.0.1:${receiver.port}/`, secret } }) });
const bus = createMemoryBus();
const topics = topicNames("");
const role = createAlertDeliveryRole({ env, bus, topics, logger: createLogger("error") });
afterAll(async () => {
  await role.stop();
  await bus.close();
  receiver.stop(true);
});

test("embedded: without FG_POSTGRES_URL the role still delivers each alert id once to its webhooks, counted in the metrics", async () => {
  expect(env.FG_POSTGRES_URL).toBeUndefined();
  await role.start();
  const publisher = await bus.publisher();
  const alert = (id: string) => ({ key: "r:g", value: JSON.stringify({ id, sinks: ["topic", "postgres", "webhook:embedded"] }) });
  await publisher.send(topics.alerts, [alert("a1"), alert("a2"), alert("a1")]);
  await waitFor(() => received.length, (n) => n >= 2, { what: "webhook deliveries" });
  await publisher.send(topics.alerts, [alert("a3")]);
  await waitFor(() => received.length, (n) => n >= 3, { what: "the later delivery" });
  expect(received.map((r) => r.id)).toEqual(["a1", "a2", "a3"]);
  expect(received.every((r) => r.signed)).toBe(true);
  const attempts = (await rulesMetrics.webhookAttempts.get()).values.filter((v) => v.labels.sink === "webhook:embedded");
  expect(attempts.map((v) => [v.labels.status, v.value])).toEqual([["ok", 3]]);
});
