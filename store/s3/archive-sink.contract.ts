/**
 * The archive sink and compaction against one object store adapter: Hive layout, idempotent
 * re-writes, files an independent engine (DuckDB) reads, and crash-safe compaction.
 */
import { describe, expect, test } from "bun:test";
import type { Envelope } from "../../schemas/envelope.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { decodeEnvelopes } from "../parquet/decode.ts";
import { duckdbQuery } from "../../test/support/store/duckdb.ts";
import { encodeEnvelopes } from "../parquet/encode.ts";
import { canonical } from "./canonical.ts";
import { createCompactor } from "./compaction.ts";
import { partFileName } from "./file-name.ts";
import type { ObjectStore } from "./object-store.ts";
import { partitionOf, partitionPrefix } from "./partition.ts";
import { createParquetArchiveSink } from "./archive-sink.ts";
import type { FilePolicy } from "./roll.ts";
import { writeThroughArchiveSink } from "../../test/support/store/test-stores.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";

const logger = createLogger("error");
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 2, 10, 22, 0, 0);

const MIN = 60_000;
const policy: FilePolicy = { maxRows: 1_000_000, maxBytes: 64 * 1024 * 1024, maxAgeMs: 10 * MIN, minAgeMs: MIN };

const shuffle = <T>(xs: T[]): T[] => xs.map((x) => [Math.random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
const ids = (events: Envelope[]) => events.map((e) => e.event_id).sort();

async function readAll(store: ObjectStore, prefix: string): Promise<Envelope[]> {
  const all: Envelope[] = [];
  for (const o of await store.list(prefix)) all.push(...(await decodeEnvelopes(await store.get(o.key))));
  return all;
}

export function archiveSinkContract(name: string, freshStore: () => Promise<ObjectStore>): void {
  describe(`archive sink contract: ${name}`, () => {
    async function freshSink() {
      const store = await freshStore();
      const sink = writeThroughArchiveSink(store, logger, 4);
      await sink.prepare();
      return { store, sink };
    }

    test("a batch spanning apps and hours becomes one file per Hive partition, by event time in UTC", async () => {
      const { store, sink } = await freshSink();
      // 150 events a minute apart from 22:00 cross 23:00 and midnight into the next day.
      const shop = sampleEvents(150, { app: "shop", start: T0, stepMs: 60_000 });
      const blog = sampleEvents(10, { app: "blog", start: T0 });
      await sink.write(shuffle([...shop, ...blog]));
      const keys = (await store.list("events/")).map((o) => o.key);
      expect(keys.map((k) => k.replace(/part-[0-9a-f]{32}\.parquet$/, "*"))).toEqual([
        "events/app_id=blog/dt=2024-03-10/hour=22/*",
        "events/app_id=shop/dt=2024-03-10/hour=22/*",
        "events/app_id=shop/dt=2024-03-10/hour=23/*",
        "events/app_id=shop/dt=2024-03-11/hour=00/*",
      ]);
      for (const key of keys) {
        const rows = await decodeEnvelopes(await store.get(key));
        const prefix = key.slice(0, key.lastIndexOf("/") + 1);
        expect(rows.every((e) => partitionPrefix(partitionOf(e.app_id, e.ts)) === prefix)).toBe(true);
        expect(rows).toEqual(canonical(rows)); // stored in (ts, event_id) order
      }
      expect(ids(await readAll(store, "events/"))).toEqual(ids([...shop, ...blog]));
    });

    test("writing the same batch again (in any order, with duplicates) replaces the same objects", async () => {
      const { store, sink } = await freshSink();
      const events = sampleEvents(120, { start: T0, stepMs: 60_000 });
      await sink.write(events);
      const first = await store.list("events/");
      await sink.write(shuffle([...events, ...events.slice(0, 10)]));
      expect(await store.list("events/")).toEqual(first);
      expect(ids(await readAll(store, "events/"))).toEqual(ids(events));
    });

    test("an empty batch writes nothing", async () => {
      const { store, sink } = await freshSink();
      await sink.write([]);
      expect(await store.list("")).toEqual([]);
    });

    test("DuckDB reads an archived file with the same rows, types and nulls", async () => {
      const { store, sink } = await freshSink();
      const events = sampleEvents(500, { start: T0, stepMs: 1_000 });
      await sink.write(events);
      const [file] = await store.list("events/");
      const [got] = await duckdbQuery(await store.get(file!.key), `
        SELECT count(*) AS n, count(DISTINCT event_id) AS ids, sum(ts) AS ts_sum, count(user_id) AS users,
               count(session_id) AS sessions, sum(CAST(json_extract(props, '$.n') AS BIGINT)) AS n_sum,
               typeof(any_value(ts)) AS ts_type, typeof(any_value(props)) AS props_type
        FROM FILE`);
      expect(got).toEqual({
        n: 500, ids: 500, ts_sum: events.reduce((s, e) => s + e.ts, 0),
        users: events.filter((e) => e.user_id).length, sessions: events.filter((e) => e.session_id).length,
        n_sum: events.reduce((s, e) => s + (e.props.n as number), 0), ts_type: "BIGINT", props_type: "VARCHAR",
      });
    });

    test("compaction merges a closed hour's small files into one, deduplicated, and is idempotent", async () => {
      const { store, sink } = await freshSink();
      const hour = sampleEvents(90, { start: T0, stepMs: 30_000 }); // 22:00 .. 22:44:30
      const prefix = partitionPrefix(partitionOf("shop", T0));
      await sink.write(hour.slice(0, 40));
      await sink.write(hour.slice(30, 70)); // overlaps: redelivered with other boundaries
      await sink.write(hour.slice(60));
      const next = sampleEvents(5, { start: T0 + HOUR });
      await sink.write(next);
      await sink.write(sampleEvents(5, { start: T0 + HOUR }));
      expect((await store.list(prefix)).length).toBe(3);

      const compactor = createCompactor({ store, minAgeMs: 60 * 60_000, logger });
      // 23:59: hour 22 ended 59 min ago, not yet closed for a 60 min minimum age.
      expect(await compactor.compactClosed(T0 + 2 * HOUR - 60_000)).toEqual([]);
      // 00:30: hour 22 is closed, hour 23 (ended 30 min ago) is not.
      const results = await compactor.compactClosed(T0 + 2.5 * HOUR);
      expect(results.map((r) => [r.partition, r.removed.length, r.rows])).toEqual([[prefix, 3, 90]]);
      const after = await store.list(prefix);
      expect(after.map((o) => o.key)).toEqual([prefix + partFileName(hour.map((e) => e.event_id))]);
      expect(ids(await readAll(store, prefix))).toEqual(ids(hour));
      expect((await store.list(partitionPrefix(partitionOf("shop", T0 + HOUR)))).length).toBe(2);
      expect(await compactor.compactClosed(T0 + 2.5 * HOUR)).toEqual([]);
    });

    test("compaction re-run after a crash between put and delete converges on the same file", async () => {
      const { store, sink } = await freshSink();
      const hour = sampleEvents(20, { start: T0, stepMs: 60_000 });
      const prefix = partitionPrefix(partitionOf("shop", T0));
      await sink.write(hour.slice(0, 10));
      await sink.write(hour.slice(10));
      // The crashed run got as far as putting the merged file: readers now see every row twice.
      const merged = prefix + partFileName(hour.map((e) => e.event_id));
      await store.put(merged, encodeEnvelopes(canonical(hour)));
      expect((await readAll(store, prefix)).length).toBe(40);
      const result = await createCompactor({ store, minAgeMs: 0, logger }).compactPartition(prefix);
      expect(result.merged).toBe(merged);
      expect(result.removed.length).toBe(2);
      expect((await store.list(prefix)).map((o) => o.key)).toEqual([merged]);
      expect(ids(await readAll(store, prefix))).toEqual(ids(hour));
    });
  });

  /**
   * A roll takes spooled writes once they are FG_ARCHIVE_FILE_MIN_AGE_MS old, but the same events
   * can be spooled again later than that: a broker down for minutes (commits fail, the batches come
   * again) or a put that succeeded but answered an error (the runtime retries the write, which
   * spools the events under a new key). The soak of 2026-12-04 found 3,105 / 40 and 53,037 such
   * copies in two archive files. Read back by DuckDB over every file of events/, as a user would.
   */
  describe(`archive exactly once across rolls: ${name}`, () => {
    async function clockedSink(store: ObjectStore) {
      const clock = { now: T0 };
      const sink = createParquetArchiveSink({ store, uploadConcurrency: 2, logger, files: policy, spool: { minRows: 1, intervalMs: 0 }, rollCheckMs: 3_600_000, now: () => clock.now });
      await sink.prepare();
      return { sink, clock };
    }

    async function archivedCounts(store: ObjectStore) {
      const files = await Promise.all((await store.list("events/")).map((o) => store.get(o.key)));
      const [got] = await duckdbQuery(files, "SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM FILE");
      return { files: files.length, n: got!.n, ids: got!.ids };
    }

    for (const [ids, make] of [
      ["UUIDv7 ids", (n: number) => sampleEvents(n, { start: T0, stepMs: 100 })],
      ["random ids (UUIDv4)", (n: number) => sampleEvents(n, { start: T0, stepMs: 100 }).map((e) => ({ ...e, event_id: crypto.randomUUID() }))],
    ] as const) {
      test(`a batch redelivered after its first copy was rolled (commits failed for minutes) is archived once, ${ids}`, async () => {
        const store = await freshStore();
        const { sink, clock } = await clockedSink(store);
        const events = make(300);
        await sink.write(events.slice(0, 200));
        clock.now += 10 * MIN;
        await sink.rollDue(); // the first copy is old enough: rolled
        expect((await store.list("events/")).length).toBe(1);
        clock.now += 2 * MIN;
        await sink.write(shuffle(events.slice(100))); // redelivered from the last commit, with 100 new events
        clock.now += 10 * MIN;
        await sink.rollDue();
        await sink.close();
        expect(await archivedCounts(store)).toEqual({ files: 2, n: 300, ids: 300 });
      });
    }

    test("a put that succeeded but answered an error, retried after a roll took it, is archived once", async () => {
      const real = await freshStore();
      let lie = true;
      const store: ObjectStore = {
        ...real,
        async put(key, body) {
          await real.put(key, body);
          if (lie && key.startsWith("spool/") && key.endsWith(".parquet")) {
            lie = false;
            throw new Error("socket hang up"); // the object is there, the answer was lost
          }
        },
      };
      const { sink, clock } = await clockedSink(store);
      lie = false;
      await sink.write(sampleEvents(30, { start: T0 })); // traffic before: the partition's spool is open
      lie = true;
      clock.now += 1_000;
      const events = sampleEvents(120, { start: T0, stepMs: 100 });
      expect(await sink.write(events).then(() => "ok", () => "failed")).toBe("failed");
      clock.now += 10 * MIN; // the runtime backs off while the store answers errors
      await sink.rollDue();
      await sink.write(events); // the retry
      clock.now += 10 * MIN;
      await sink.rollDue();
      await sink.close();
      const got = await archivedCounts(real);
      expect({ n: got.n, ids: got.ids }).toEqual({ n: 150, ids: 150 });
    });

    test("a resend received earlier than the copy an earlier roll archived replaces that copy: one row, the first received", async () => {
      const store = await freshStore();
      const { sink, clock } = await clockedSink(store);
      const events = sampleEvents(50, { start: T0, stepMs: 100 });
      await sink.write(events);
      clock.now += 10 * MIN;
      await sink.rollDue();
      const early = { ...events[7]!, received_at: events[7]!.received_at - 5, props: { n: "early" } };
      await sink.write([early, ...sampleEvents(5, { start: T0 + 60_000 })]);
      clock.now += 10 * MIN;
      await sink.rollDue();
      await sink.close();
      const rows = await readAll(store, "events/");
      expect(rows.length).toBe(55);
      expect(new Set(rows.map((e) => e.event_id)).size).toBe(55);
      expect(rows.filter((e) => e.event_id === early.event_id)).toEqual([early]);
      expect((await store.list(prefixOf(T0))).length).toBeLessThanOrEqual(2);
    });
  });
}

const prefixOf = (ts: number) => partitionPrefix(partitionOf("shop", ts));
