import { describe, expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { freshFsStore, writeThroughArchiveSink } from "../../test/support/store/test-stores.ts";
import { replayArchive, type ReplayProgress } from "./replay.ts";
import type { Clock } from "./token-bucket.ts";

const T0 = Date.UTC(2024, 2, 10, 22, 0, 0);
const MIN = 60_000;

describe("replay from the archive", () => {
  test("publishes exactly the events in [since, until), once each, in order per key, at the rate", async () => {
    const store = await freshFsStore();
    const sink = writeThroughArchiveSink(store, createLogger("error"), 2);
    const events = sampleEvents(300, { start: T0, stepMs: MIN / 2, keys: 4 }); // 22:00 .. 00:29:30
    await sink.write(events.slice(0, 200));
    await sink.write(events.slice(150)); // overlap: files hold some events twice
    await sink.write(sampleEvents(20, { app: "other", start: T0 }));

    const bus = createMemoryBus();
    await bus.ensureTopics([{ name: "replayed", partitions: 3 }]);
    const publisher = await bus.publisher();
    const clock: Clock & { t: number } = { t: 0, now: () => clock.t, sleep: async (ms) => void (clock.t += ms) };
    const since = T0 + 10 * MIN;
    const until = T0 + 130 * MIN; // crosses midnight
    const seen: ReplayProgress[] = [];
    const done = await replayArchive({
      store, publisher, topic: "replayed", app: "shop", since, until, rate: 50, clock, chunkSize: 25, onProgress: (p) => seen.push(p),
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });

    const expected = events.filter((e) => e.ts >= since && e.ts < until);
    expect(done.events).toBe(expected.length);
    expect(done.files).toBe(done.totalFiles);
    expect(seen.at(-1)!.events).toBe(expected.length);
    // 240 events at 50/s with a 25-event burst up front: (240 - 25) / 50 s.
    expect(done.elapsedMs).toBe(((expected.length - 25) / 50) * 1000);

    const got: IncomingRecord[] = [];
    const sub = await bus.subscribe({ groupId: "g", topics: ["replayed"], fromBeginning: true }, async (b) => void got.push(...b.records));
    await waitFor(() => got.length, (n) => n >= expected.length, { what: "replayed records" });
    await sub.stop();
    const back = got.map((r) => JSON.parse(r.value.toString()) as Envelope);
    expect(back.map((e) => e.event_id).sort()).toEqual(expected.map((e) => e.event_id).sort());
    expect(got.every((r, i) => r.key === `shop:${back[i]!.key}`)).toBe(true);
    expect(got.every((r) => r.headers.traceparent === "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toBe(true);
    for (const key of new Set(expected.map((e) => e.key))) {
      expect(back.filter((e) => e.key === key)).toEqual(expected.filter((e) => e.key === key));
    }
    await bus.close();
  });

  test("an empty range publishes nothing", async () => {
    const store = await freshFsStore();
    const bus = createMemoryBus();
    const clock: Clock = { now: () => 0, sleep: async () => {} };
    const done = await replayArchive({
      store, publisher: await bus.publisher(), topic: "x", app: "shop", since: 0, until: T0, rate: 10, clock,
    });
    expect(done).toEqual({ events: 0, files: 0, totalFiles: 0, elapsedMs: 0 });
  });
});
