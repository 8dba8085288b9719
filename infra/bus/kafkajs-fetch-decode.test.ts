import { expect, test } from "bun:test";
import { decodeFetchV11, kafkajsFetchV11Decode } from "./kafkajs-fetch-decode.ts";
import { compress, encodeBatch } from "./platformatic-publisher.ts";
import type { KafkaCompression } from "./compression.ts";
import { registerZstdCodec } from "./zstd-codec.ts";

registerZstdCodec();

interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestampDelta?: number;
  headers?: [string | null, Buffer | null][];
}

function varint(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 128) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return out;
}
const bytes = (b: Buffer | null): number[] => (b === null ? varint(-1) : [...varint(b.length), ...b]);

/** Records as any producer may write them: null keys and values, repeated or null header names, timestamp deltas. */
function records(list: TestRecord[]): Buffer {
  const out: number[] = [];
  list.forEach((r, i) => {
    const body = [0, ...varint(r.timestampDelta ?? 0), ...varint(i), ...bytes(r.key), ...bytes(r.value), ...varint(r.headers?.length ?? 0)];
    for (const [k, v] of r.headers ?? []) body.push(...bytes(k === null ? null : Buffer.from(k)), ...bytes(v));
    out.push(...varint(body.length), ...body);
  });
  return Buffer.from(out);
}

interface TestBatch {
  records: TestRecord[];
  codec?: KafkaCompression;
  baseOffset?: bigint;
  /** Extra attribute bits: 0x8 log-append time, 0x10 transactional, 0x20 control. */
  flags?: number;
}

function batch(b: TestBatch): Buffer {
  const codec = b.codec ?? "none";
  const buf = encodeBatch({ count: b.records.length, timestamp: 1_767_607_200_000, producerId: 7n, producerEpoch: 1, baseSequence: 3, codec }, compress(codec, records(b.records)));
  buf.writeBigInt64BE(b.baseOffset ?? 0n, 0);
  buf.writeBigInt64BE(1_767_607_299_999n, 35); // max timestamp, answered for every record of a log-append-time batch
  buf.writeInt16BE(buf.readInt16BE(21) | (b.flags ?? 0), 21);
  return buf;
}

interface TestPartition {
  partition: number;
  set: Buffer;
  aborted?: [bigint, bigint][] | null;
}

function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function response(topics: { name: string; partitions: TestPartition[] }[]): Buffer {
  const parts: Buffer[] = [int32(0), int16(0), int32(42), int32(topics.length)];
  for (const t of topics) {
    parts.push(int16(Buffer.byteLength(t.name)), Buffer.from(t.name), int32(t.partitions.length));
    for (const p of t.partitions) {
      parts.push(int32(p.partition), int16(0), int64(1_000n), int64(990n), int64(5n));
      if (p.aborted === null) parts.push(int32(-1));
      else {
        parts.push(int32(p.aborted?.length ?? 0));
        for (const [producer, first] of p.aborted ?? []) parts.push(int64(producer), int64(first));
      }
      parts.push(int32(-1), int32(p.set.length), p.set);
    }
  }
  return Buffer.concat(parts);
}

const text = (s: string) => Buffer.from(s);
const plain = (n: number, from = 0): TestRecord[] =>
  Array.from({ length: n }, (_, i) => ({ key: text(`k${from + i}`), value: text(JSON.stringify({ i: from + i, s: "é✓" })), headers: [["traceparent", text(`00-${from + i}`)]] }));

/** Both decoders over the same bytes: the same value, field for field (Buffers compared by content). */
async function same(raw: Buffer) {
  const ours = await decodeFetchV11(raw);
  expect(ours).toEqual(await kafkajsFetchV11Decode(raw));
  return ours as { responses: { partitions: { messages: { offset: string; timestamp: string }[] }[] }[] };
}

test("decodes what kafkajs decodes, with each codec, several batches and partitions of two topics", async () => {
  const raw = response([
    { name: "fg.events", partitions: [
      { partition: 0, set: Buffer.concat([batch({ records: plain(50), codec: "zstd", baseOffset: 100n }), batch({ records: plain(20, 50), codec: "gzip", baseOffset: 150n })]) },
      { partition: 3, set: batch({ records: plain(30), codec: "none", baseOffset: 7n }) },
    ] },
    { name: "fg.windows", partitions: [{ partition: 1, set: batch({ records: plain(5), codec: "zstd" }) }] },
  ]);
  const decoded = await same(raw);
  expect(decoded.responses[0]!.partitions[0]!.messages.map((m) => m.offset).slice(48, 52)).toEqual(["148", "149", "150", "151"]);
});

test("null keys and values, repeated and null header names, timestamp deltas either way", async () => {
  const odd: TestRecord[] = [
    { key: null, value: text("v"), timestampDelta: 5 },
    { key: text("k"), value: null, timestampDelta: -3 },
    { key: text(""), value: text(""), headers: [["a", text("1")], ["a", text("2")], ["a", text("3")], [null, text("n")], ["b", null]] },
    { key: text("long"), value: Buffer.alloc(20_000, 0x61), timestampDelta: 2 ** 40, headers: [["ü", text("ö")]] },
  ];
  await same(response([{ name: "t", partitions: [{ partition: 0, set: batch({ records: odd, codec: "zstd", baseOffset: 1n }) }] }]));
  await same(response([{ name: "t", partitions: [{ partition: 0, set: batch({ records: odd, codec: "none" }) }] }]));
});

test("offsets beyond 2^53 stay exact, as kafkajs' strings", async () => {
  const base = 2n ** 60n + 5n;
  const decoded = await same(response([{ name: "t", partitions: [{ partition: 0, set: batch({ records: plain(3), baseOffset: base }) }] }]));
  expect(decoded.responses[0]!.partitions[0]!.messages.map((m) => m.offset)).toEqual([0n, 1n, 2n].map((d) => String(base + d)));
});

test("log-append time, transactional and control batches, aborted transactions listed (or null)", async () => {
  const raw = response([{ name: "t", partitions: [
    { partition: 0, set: batch({ records: plain(3), flags: 0x8 }), aborted: [[7n, 0n], [9n, 12n]] },
    { partition: 1, set: Buffer.concat([batch({ records: plain(2), flags: 0x10 }), batch({ records: [{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], flags: 0x30, baseOffset: 2n })]), aborted: null },
  ] }]);
  const decoded = await same(raw);
  expect(decoded.responses[0]!.partitions[0]!.messages[0]!.timestamp).toBe("1767607299999");
});

test("a batch cut short at the end of a fetch is left out, and an empty record set has no messages", async () => {
  const whole = batch({ records: plain(10), codec: "zstd" });
  const cut = batch({ records: plain(10, 10), codec: "zstd", baseOffset: 10n });
  const decoded = await same(response([{ name: "t", partitions: [
    { partition: 0, set: Buffer.concat([whole, cut.subarray(0, cut.length - 7)]) },
    { partition: 1, set: Buffer.alloc(0) },
    { partition: 2, set: Buffer.concat([whole, cut.subarray(0, 40)]) },
  ] }]));
  expect(decoded.responses[0]!.partitions.map((p) => p.messages.length)).toEqual([10, 0, 10]);
});
