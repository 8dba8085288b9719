/**
 * The contract every events Sink passes (store/sink.ts), run against each adapter as the bus
 * contract is: ClickHouse, Postgres, and the archive on MinIO and on the filesystem (the embedded
 * default). What the runtime relies on: prepare() may run again, a resolved write() holds every
 * event, and a redelivered or resent event_id ends as one row, the copy received first
 * (docs/design.md, Guarantees).
 */
import { describe, expect, test } from "bun:test";
import type { Envelope } from "../schemas/envelope.ts";
import { sampleEvents } from "../test/support/store/sample-events.ts";
import type { Sink } from "./sink.ts";

/** An event as a tier gives it back: the fields the dedup rule and the readers depend on. */
export interface StoredEvent {
  event_id: string;
  app_id: string;
  ts: number;
  received_at: number;
  props: Record<string, unknown>;
}

export interface SinkFixture {
  sink: Sink;
  /**
   * Every row the tier holds, duplicates included, once its own deduplication has run
   * (ClickHouse merges its parts, the archive compacts its hours; Postgres refuses them on write).
   */
  stored(): Promise<StoredEvent[]>;
  /** Removes what the fixture created and closes the sink. */
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 2, 10, 22, 0, 0);

const storedOf = (e: Envelope): StoredEvent => ({ event_id: e.event_id, app_id: e.app_id, ts: e.ts, received_at: e.received_at, props: e.props });
const byId = (rows: StoredEvent[]) => Object.fromEntries(rows.map((r) => [r.event_id, r]));

export function sinkContract(name: string, fresh: () => Promise<SinkFixture>): void {
  describe(`sink contract: ${name}`, () => {
    async function withSink(run: (f: SinkFixture) => Promise<void>): Promise<void> {
      const f = await fresh();
      try {
        await f.sink.prepare();
        await run(f);
      } finally {
        await f.close();
      }
    }

    test("prepare() runs again safely; a resolved write() holds every event of a batch across apps, hours and days, fields intact", () =>
      withSink(async ({ sink, stored }) => {
        await sink.prepare();
        // 90 events 2 minutes apart from 22:00 cross 23:00 and midnight; another app beside them.
        const events = [...sampleEvents(90, { app: "shop", start: T0, stepMs: 120_000 }), ...sampleEvents(5, { app: "blog", start: T0 + HOUR })];
        await sink.write(events);
        const rows = await stored();
        expect(rows.length).toBe(events.length);
        expect(byId(rows)).toEqual(byId(events.map(storedOf)));
      }));

    test("an empty batch resolves and writes nothing", () =>
      withSink(async ({ sink, stored }) => {
        await sink.write([]);
        expect(await stored()).toEqual([]);
      }));

    test("a batch delivered again, whole or in part, leaves each event once", () =>
      withSink(async ({ sink, stored }) => {
        const events = sampleEvents(40, { app: "redelivered", start: T0 });
        await sink.write(events);
        await sink.write(events);
        await sink.write([...events.slice(10, 20), ...sampleEvents(3, { app: "redelivered", start: T0 + 60_000 })]);
        const rows = await stored();
        expect(rows.length).toBe(43);
        expect(new Set(rows.map((r) => r.event_id)).size).toBe(43);
      }));

    test("an event_id resent in the same hour keeps the copy received first, whichever is written first", () =>
      withSink(async ({ sink, stored }) => {
        const first = sampleEvents(12, { app: "resend", start: T0 });
        // Resent later: another ts in the same hour, a later received_at, another payload. It loses.
        const later = first.slice(0, 4).map((e, i) => ({ ...e, ts: e.ts + 90_000 + i, received_at: e.received_at + 95_000, props: { n: -1 } }));
        // Received earlier than the copy written first (another gateway's clock): it wins.
        const earlier = { ...first[6]!, ts: first[6]!.ts + 1_000, received_at: first[6]!.received_at - 500, props: { n: "early" } };
        await sink.write(first);
        await sink.write(later);
        await sink.write([earlier]);
        const want = first.map((e) => (e.event_id === earlier.event_id ? earlier : e)).map(storedOf);
        const rows = await stored();
        expect(rows.length).toBe(want.length);
        expect(byId(rows)).toEqual(byId(want));
      }));
  });
}
