/** The archive's file policy (roll.ts) through the sink, on files: rows, bytes, age, minimum age, restarts. */
import { describe, expect, test } from "bun:test";
import type { Envelope } from "../../schemas/envelope.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { decodeEnvelopes } from "../parquet/decode.ts";
import { createParquetArchiveSink } from "./archive-sink.ts";
import type { ObjectStore } from "./object-store.ts";
import { partitionOf, partitionPrefix } from "./partition.ts";
import type { FilePolicy } from "./roll.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { freshFsStore } from "../../test/support/store/test-stores.ts";

const logger = createLogger("error");
const T0 = Date.UTC(2024, 2, 10, 22, 0, 0);
const MIN = 60_000;
const policy: FilePolicy = { maxRows: 1_000, maxBytes: 64 * 1024 * 1024, maxAgeMs: 10 * MIN, minAgeMs: MIN };

function sinkAt(store: ObjectStore, clock: { now: number }, files: FilePolicy = policy) {
  return createParquetArchiveSink({ store, uploadConcurrency: 2, logger, files, spool: { minRows: 1, intervalMs: 0 }, rollCheckMs: 3_600_000, now: () => clock.now });
}

const archived = async (store: ObjectStore) => (await store.list("events/")).map((o) => o.key);
async function rowsOf(store: ObjectStore): Promise<Envelope[]> {
  const rows: Envelope[] = [];
  for (const key of await archived(store)) rows.push(...(await decodeEnvelopes(await store.get(key))));
  return rows;
}

describe("archive files", () => {
  test("a steady trickle for an hour makes a handful of files in its partition, every event once", async () => {
    const store = await freshFsStore();
    const clock = { now: T0 };
    const sink = sinkAt(store, clock, { ...policy, maxRows: 1_000_000 });
    await sink.prepare();
    const all: Envelope[] = [];
    // One write every 10 s for an hour, 20 events each, all in hour 22: 360 writes.
    for (let i = 0; i < 360; i++) {
      const batch = sampleEvents(20, { start: T0 + i * 10_000, stepMs: 400 });
      all.push(...batch);
      await sink.write(batch);
      clock.now += 10_000;
      await sink.rollDue();
    }
    await sink.close();
    const keys = await archived(store);
    expect(keys.every((k) => k.startsWith(partitionPrefix(partitionOf("shop", T0))))).toBe(true);
    expect(keys.length).toBeLessThanOrEqual(7); // one per 10 minutes, and the rest at stop
    const rows = await rowsOf(store);
    expect(rows.length).toBe(all.length);
    expect(new Set(rows.map((e) => e.event_id)).size).toBe(all.length);
    expect(await store.list("spool/")).toEqual([]);
  }, 30_000); // 360 writes: seconds on a loaded machine

  test("a file is cut by rows only once the spool is minAgeMs old", async () => {
    const store = await freshFsStore();
    const clock = { now: T0 };
    const sink = sinkAt(store, clock);
    await sink.prepare();
    await sink.write(sampleEvents(1_500, { start: T0, stepMs: 1 }));
    await sink.rollDue();
    expect(await archived(store)).toEqual([]); // over maxRows, but younger than minAgeMs
    clock.now += MIN;
    await sink.rollDue();
    expect((await archived(store)).length).toBe(1);
    expect((await rowsOf(store)).length).toBe(1_500);
  });

  test("a small spool is cut once maxAgeMs old, not before", async () => {
    const store = await freshFsStore();
    const clock = { now: T0 };
    const sink = sinkAt(store, clock);
    await sink.prepare();
    await sink.write(sampleEvents(10, { start: T0 }));
    clock.now += 9 * MIN;
    await sink.write(sampleEvents(10, { start: T0 }));
    await sink.rollDue();
    expect(await archived(store)).toEqual([]);
    clock.now += MIN;
    await sink.rollDue();
    expect((await rowsOf(store)).length).toBe(20);
  });

  test("a roll leaves writes younger than minAgeMs (maybe not committed yet) for the next one", async () => {
    const store = await freshFsStore();
    const clock = { now: T0 };
    const sink = sinkAt(store, clock);
    await sink.prepare();
    await sink.write(sampleEvents(10, { start: T0 }));
    clock.now += 9.5 * MIN;
    await sink.write(sampleEvents(7, { start: T0 }));
    clock.now += 0.5 * MIN;
    await sink.rollDue();
    expect((await rowsOf(store)).length).toBe(10);
    expect((await store.list("spool/")).length).toBe(1);
    clock.now += 9 * MIN; // the young write is now the oldest in the spool: due at its own maxAgeMs
    await sink.rollDue();
    expect((await rowsOf(store)).length).toBe(10);
    clock.now += MIN;
    await sink.rollDue();
    expect((await rowsOf(store)).length).toBe(17);
    expect((await archived(store)).length).toBe(2);
  });

  test("a batch spooled twice (redelivered after a crash) is archived once", async () => {
    const store = await freshFsStore();
    const clock = { now: T0 };
    const sink = sinkAt(store, clock);
    await sink.prepare();
    const events = sampleEvents(50, { start: T0 });
    await sink.write(events.slice(0, 30));
    clock.now += 1;
    await sink.write(events.slice(20)); // other boundaries, ten events again
    await sink.rollAll();
    const rows = await rowsOf(store);
    expect(rows.length).toBe(50);
    expect(new Set(rows.map((e) => e.event_id)).size).toBe(50);
  });

  test("a spool left by a process that died is rolled by the next one", async () => {
    const store = await freshFsStore();
    const clock = { now: T0 };
    const crashed = sinkAt(store, clock);
    await crashed.prepare();
    await crashed.write(sampleEvents(40, { start: T0 }));
    // No close(): the process was killed. The next one finds the spool at start.
    const next = sinkAt(store, clock);
    await next.prepare();
    clock.now += 10 * MIN;
    await next.rollDue();
    expect((await rowsOf(store)).length).toBe(40);
    expect(await store.list("spool/")).toEqual([]);
    await next.close();
  });

  test("a roll that fails keeps the spool and succeeds on a later tick", async () => {
    const real = await freshFsStore();
    let failPuts = true;
    const store: ObjectStore = { ...real, put: (key, body) => (failPuts && key.startsWith("events/") ? Promise.reject(new Error("connection reset")) : real.put(key, body)) };
    const clock = { now: T0 };
    const sink = sinkAt(store, clock);
    await sink.prepare();
    await sink.write(sampleEvents(30, { start: T0 }));
    clock.now += 10 * MIN;
    await sink.rollDue();
    expect(await archived(real)).toEqual([]);
    expect((await real.list("spool/")).filter((o) => o.key.endsWith(".parquet")).length).toBe(1);
    failPuts = false;
    await sink.rollDue();
    expect((await rowsOf(real)).length).toBe(30);
  });
});

describe("archive rolls interrupted by a crash", () => {
  /** A store whose process "dies" (every call rejects) once a put of the given kind has happened. */
  function dyingAfter(real: ObjectStore, isFatalPut: (key: string) => boolean) {
    let dead = false;
    const guard = <T>(f: () => Promise<T>) => (dead ? Promise.reject(new Error("killed")) : f());
    const store: ObjectStore = {
      ...real,
      put: (key, body) => guard(async () => {
        await real.put(key, body);
        if (isFatalPut(key)) dead = true;
      }),
      delete: (keys) => guard(() => real.delete(keys)),
      list: (p) => guard(() => real.list(p)),
      get: (k) => guard(() => real.get(k)),
    };
    return store;
  }

  for (const [when, fatal] of [
    ["after the manifest", (k: string) => k.endsWith("roll.json")],
    ["after the archive file, before the deletes", (k: string) => k.startsWith("events/")],
  ] as const) {
    test(`killed ${when}: the next process leaves every event in exactly one file`, async () => {
      const real = await freshFsStore();
      const clock = { now: T0 };
      const first = sinkAt(dyingAfter(real, fatal), clock);
      await first.prepare();
      await first.write(sampleEvents(30, { start: T0 }));
      await first.rollAll();
      const next = sinkAt(real, clock);
      await next.prepare();
      await next.write(sampleEvents(20, { start: T0 + 1_000 })); // more arrives before the next roll
      await next.close();
      const rows = await rowsOf(real);
      expect(rows.length).toBe(50);
      expect(new Set(rows.map((e) => e.event_id)).size).toBe(50);
      expect(await real.list("spool/")).toEqual([]);
    });
  }
});

test("a roll whose deletes failed half-way is finished before the next one: no event in two files", async () => {
  const real = await freshFsStore();
  let failDeletes = true;
  const store: ObjectStore = {
    ...real,
    async delete(keys) {
      if (failDeletes && keys.length > 1) {
        await real.delete(keys.slice(0, 1));
        throw new Error("connection reset");
      }
      await real.delete(keys);
    },
  };
  const clock = { now: T0 };
  const sink = sinkAt(store, clock);
  await sink.prepare();
  await sink.write(sampleEvents(10, { start: T0 }));
  clock.now += 1;
  await sink.write(sampleEvents(10, { start: T0 }));
  await sink.rollAll();
  failDeletes = false;
  await sink.write(sampleEvents(5, { start: T0 }));
  await sink.rollAll();
  const rows = await rowsOf(real);
  expect(rows.length).toBe(25);
  expect(new Set(rows.map((e) => e.event_id)).size).toBe(25);
});
