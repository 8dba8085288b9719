/**
 * A faster decoder of Fetch v11 responses for kafkajs 2.2.4, installed once by the Kafka bus in
 * place of kafkajs' own (`protocol/requests/fetch/v11/response.js`, the version it speaks to
 * Kafka 2.8 and later). Its output is the same, field for field (kafkajs-fetch-decode.test.ts
 * compares them), so everything after it (batches, offsets, commits, rebalances) is unchanged.
 *
 * Why: kafkajs decodes each record through a Decoder object of its own, a Long for its offset and
 * timestamp and their toString, and a spread of an object per header; on the store's events that
 * is ~3 CPU µs a record, most of the consume path before JSON.parse (docs/store.md, "Throughput").
 * Here a record batch is read in one pass over its bytes with plain numbers (offsets and
 * timestamps are below 2^53; larger ones take BigInt), values and keys stay views of the
 * decompressed buffer as kafkajs leaves them. Decompression still goes through kafkajs' codec
 * registry (zstd-codec.ts registers Bun's), all batches of a response at once.
 *
 * Legacy message sets (magic 0 or 1) are left to kafkajs' own decoder.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface KafkajsDecoder {
  new (buffer: Buffer): unknown;
}
type Codec = { decompress(buffer: Buffer): Promise<Buffer> };

const Decoder = require("kafkajs/src/protocol/decoder.js") as KafkajsDecoder;
const decodeMessages = require("kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js") as (decoder: unknown) => Promise<unknown[]>;
const { lookupCodecByAttributes } = require("kafkajs/src/protocol/message/compression/index.js") as { lookupCodecByAttributes(attributes: number): Codec | undefined };
const fetchV11 = require("kafkajs/src/protocol/requests/fetch/v11/response.js") as { decode(raw: Buffer): Promise<unknown> };

/** kafkajs' own v11 decode, kept for the tests that compare the two. */
export const kafkajsFetchV11Decode = fetchV11.decode;

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;
/** Bytes of a batch before its records: base offset to record count. */
const BATCH_HEAD = 61;
/** kafkajs stops reading batches when fewer bytes than this remain. */
const RECORD_BATCH_OVERHEAD = 49;
const MAGIC_OFFSET = 16;

/** An int64 as a Number when it is safe (always, for offsets and timestamps), else the exact BigInt. */
function int64(buf: Buffer, at: number): number | bigint {
  const high = buf.readInt32BE(at);
  const low = buf.readUInt32BE(at + 4);
  if (high >= -0x200000 && high < 0x200000) return high * 0x1_0000_0000 + low;
  return buf.readBigInt64BE(at);
}
const add = (a: number | bigint, b: number): string => (typeof a === "number" ? String(a + b) : String(a + BigInt(b)));

/** A reader over one buffer: zigzag varints as Numbers (record fields never exceed 2^53). */
class Cursor {
  constructor(readonly buf: Buffer, public at = 0) {}
  varint(): number {
    const buf = this.buf;
    let b = buf[this.at++]!;
    let raw = b & 0x7f;
    let scale = 128;
    while (b & 0x80) {
      b = buf[this.at++]!;
      raw += (b & 0x7f) * scale;
      scale *= 128;
    }
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }
  bytes(): Buffer | null {
    const n = this.varint();
    if (n === -1) return null;
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  magicByte: number;
}

type Headers = Record<string, Buffer | null | (Buffer | null)[]>;

/** The header names last read: records of a batch mostly carry the same ones (traceparent). */
const names: { bytes: Buffer; name: string }[] = [];

/** A header name as kafkajs reads it (a string; length -1 names the key "null"), reusing a recent one with the same bytes. */
function headerName(c: Cursor): string {
  const n = c.varint();
  if (n === -1) return "null";
  const buf = c.buf;
  const at = c.at;
  c.at += n;
  for (const held of names) {
    if (held.bytes.length !== n) continue;
    let i = 0;
    while (i < n && held.bytes[i] === buf[at + i]) i++;
    if (i === n) return held.name;
  }
  const name = buf.toString("utf8", at, at + n);
  if (n <= 64) {
    if (names.length >= 8) names.shift();
    names.push({ bytes: Buffer.from(buf.subarray(at, at + n)), name });
  }
  return name;
}

/** Records of one batch, each as kafkajs' record decoder builds it. */
function readRecords(records: Cursor, count: number, base: number | bigint, firstTimestamp: number | bigint, context: BatchContext): unknown[] {
  const out = new Array(count);
  const appendTime = context.timestampType === LOG_APPEND_TIME && context.maxTimestamp;
  let lastDelta = 0;
  let lastTimestamp = add(firstTimestamp, 0);
  for (let i = 0; i < count; i++) {
    const length = records.varint();
    const end = records.at + length;
    const attributes = records.buf.readInt8(records.at++);
    const timestampDelta = records.varint();
    const offsetDelta = records.varint();
    const key = records.bytes();
    const value = records.bytes();
    const headerCount = records.varint();
    const headers: Headers = {};
    for (let h = 0; h < headerCount; h++) {
      const k = headerName(records);
      const headerValue = records.bytes();
      const held = headers[k];
      headers[k] = held === undefined ? headerValue : Array.isArray(held) ? [...held, headerValue] : [held, headerValue];
    }
    records.at = end;
    // A batch's records mostly share one timestamp (the publisher's): its text is made once.
    if (timestampDelta !== lastDelta) [lastDelta, lastTimestamp] = [timestampDelta, add(firstTimestamp, timestampDelta)];
    out[i] = {
      magicByte: context.magicByte, attributes,
      timestamp: appendTime ? context.maxTimestamp : lastTimestamp,
      offset: add(base, offsetDelta), key, value, headers, isControlRecord: context.isControlBatch, batchContext: context,
    };
  }
  return out;
}

interface PendingBatch {
  context: BatchContext;
  base: number | bigint;
  firstTimestamp: number | bigint;
  count: number;
  /** The records section: raw, or still to decompress. */
  records: Buffer;
  codec: Codec | undefined;
}

/** A partition's record set: batches of magic 2, read as kafkajs' decodeMessages would. */
function readBatches(set: Buffer): PendingBatch[] {
  const out: PendingBatch[] = [];
  let at = 0;
  while (set.length - at >= RECORD_BATCH_OVERHEAD) {
    const length = set.readInt32BE(at + 8);
    // The last batch of a fetch may be cut short by the fetch's byte limit: it comes again next time.
    if (set.length - at - 12 < length) break;
    const base = int64(set, at);
    const attributes = set.readInt16BE(at + 21);
    const firstTimestamp = int64(set, at + 27);
    const magicByte = set.readInt8(at + 16);
    const context: BatchContext = {
      firstOffset: String(base),
      firstTimestamp: String(firstTimestamp),
      partitionLeaderEpoch: set.readInt32BE(at + 12),
      inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
      isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
      lastOffsetDelta: set.readInt32BE(at + 23),
      producerId: set.readBigInt64BE(at + 43).toString(),
      producerEpoch: set.readInt16BE(at + 51),
      firstSequence: set.readInt32BE(at + 53),
      maxTimestamp: set.readBigInt64BE(at + 35).toString(),
      timestampType: (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME,
      magicByte,
    };
    // The record count comes before the records, compressed or not; kafkajs reads none of a batch that counts none.
    const count = Math.max(0, set.readInt32BE(at + 57));
    const codec = count > 0 ? lookupCodecByAttributes(attributes) : undefined;
    out.push({ context, base, firstTimestamp, count, records: set.subarray(at + BATCH_HEAD, at + 12 + length), codec });
    at += 12 + length;
  }
  return out;
}

interface Partition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  lastStartOffset: string;
  abortedTransactions: { producerId: string; firstOffset: string }[];
  preferredReadReplica: number;
  messages: unknown[];
}

/** The v11 response, as kafkajs' decode answers it. */
export async function decodeFetchV11(raw: Buffer): Promise<unknown> {
  const c = new Cursor(raw);
  const clientSideThrottleTime = raw.readInt32BE(0);
  const errorCode = raw.readInt16BE(4);
  const sessionId = raw.readInt32BE(6);
  c.at = 10;
  const array = (): number => {
    const n = raw.readInt32BE(c.at);
    c.at += 4;
    return n === -1 ? 0 : n;
  };
  const responses: { topicName: string | null; partitions: Partition[] }[] = [];
  /** Batches to decompress and decode, with the partition they belong to, in order. */
  const work: { partition: Partition; batches: PendingBatch[] }[] = [];
  const legacy: Promise<void>[] = [];
  for (let t = 0, topics = array(); t < topics; t++) {
    const nameLength = raw.readInt16BE(c.at);
    c.at += 2;
    const topicName = nameLength === -1 ? null : raw.toString("utf8", c.at, c.at + nameLength);
    c.at += Math.max(0, nameLength);
    const partitions: Partition[] = [];
    for (let p = 0, count = array(); p < count; p++) {
      const partition: Partition = {
        partition: raw.readInt32BE(c.at),
        errorCode: raw.readInt16BE(c.at + 4),
        highWatermark: raw.readBigInt64BE(c.at + 6).toString(),
        lastStableOffset: raw.readBigInt64BE(c.at + 14).toString(),
        lastStartOffset: raw.readBigInt64BE(c.at + 22).toString(),
        abortedTransactions: [],
        preferredReadReplica: 0,
        messages: [],
      };
      c.at += 30;
      for (let a = 0, aborted = array(); a < aborted; a++, c.at += 16) {
        partition.abortedTransactions.push({ producerId: raw.readBigInt64BE(c.at).toString(), firstOffset: raw.readBigInt64BE(c.at + 8).toString() });
      }
      partition.preferredReadReplica = raw.readInt32BE(c.at);
      c.at += 4;
      const size = raw.readInt32BE(c.at);
      // As kafkajs: an empty or truncated record set reads as no messages.
      if (size > 0 && raw.length - c.at - 4 >= size) {
        const set = raw.subarray(c.at + 4, c.at + 4 + size);
        if (set.length > MAGIC_OFFSET && set.readInt8(MAGIC_OFFSET) === 2) work.push({ partition, batches: readBatches(set) });
        else legacy.push(decodeMessages(new Decoder(raw.subarray(c.at))).then((messages) => void (partition.messages = messages)));
        c.at += 4 + size;
      } else if (size <= 0) {
        c.at += 4;
      }
      partitions.push(partition);
    }
    responses.push({ topicName, partitions });
  }
  // Every compressed batch of the response at once: the codec (Bun's zstd) works off this thread.
  const sections = await Promise.all(work.flatMap((w) => w.batches.map((b) => (b.codec ? b.codec.decompress(b.records) : b.records))));
  let s = 0;
  for (const { partition, batches } of work) {
    const messages: unknown[] = [];
    for (const b of batches) {
      const section = sections[s++]!;
      const records = readRecords(new Cursor(section), b.count, b.base, b.firstTimestamp, b.context);
      for (const m of records) messages.push(m);
    }
    partition.messages = messages;
  }
  await Promise.all(legacy);
  return { throttleTime: 0, clientSideThrottleTime, errorCode, sessionId, responses };
}

let installed = false;

/** Puts decodeFetchV11 in place of kafkajs' v11 decode (for every kafkajs client of the process). */
export function installKafkajsFetchDecode(): void {
  if (installed) return;
  installed = true;
  fetchV11.decode = decodeFetchV11;
}

/** kafkajs' own decoder for the rest of the process, whatever installs later (benchmarks' A/B: bench/store-sinks.ts --decoder kafkajs). */
export function keepKafkajsFetchDecode(): void {
  installed = true;
  fetchV11.decode = kafkajsFetchV11Decode;
}
