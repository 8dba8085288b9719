/**
 * The default bus publisher (FG_KAFKA_PRODUCER=platformatic): idempotent, acks=all, records keyed
 * and placed by Kafka's Java-compatible murmur2 (both publishers put a key on the same partition).
 *
 * @platformatic/kafka does the cluster work: bootstrap, metadata, the producer id, and the parsing
 * of Produce responses. The Produce requests themselves go over connections of our own to each
 * leader (produce-connection.ts), a quarter cheaper per send than the library's. The record batches
 * are encoded here, straight from the bytes the gateway already has: the library builds a Map of
 * headers, a message object and a growable buffer per record, which cost 5-8 µs of CPU per record,
 * most of what the gateway spent per event on batches (issue 15). Here a batch is one pass that
 * sizes it and one that writes it into one buffer, then one compression call.
 *
 * Sequence numbers are this publisher's own (per partition, assigned when a request is queued on
 * its connection, so several requests may be in flight in order). A failed request takes a new
 * producer id, so later requests never trip over the gap it left. A retriable failure (a leader
 * not ready yet or moved, a broken connection) is tried again within the send's timeout, with the
 * placement looked up again and for the partitions not yet acknowledged only: the broker answers
 * per partition, and a batch it took must not be written twice (a request lost with its
 * connection may still have been written: its retry can duplicate it, as the caller's own retry
 * after "unavailable" would). Anything else fails the send; the caller answers "unavailable".
 */
import { crc32c, GenericError, ProtocolError, produceV9, produceV10, produceV11, Producer, ResponseError } from "@platformatic/kafka";
import type { KafkaCompression } from "./compression.ts";
import { positiveMurmur2 } from "./murmur2.ts";
import { openProduceConnection, type ProduceConnection } from "./produce-connection.ts";
import { asBuffer, type OutgoingRecord, type Publisher } from "./port.ts";

export interface PlatformaticPublisherOptions {
  brokers: string[];
  clientId: string;
  compression: KafkaCompression;
  sendTimeoutMs: number;
}

const ATTRIBUTE_CODEC: Record<KafkaCompression, number> = { none: 0, gzip: 1, zstd: 4 };
const PRODUCE = 0;
// Produce v9 to v11 share the request layout (flexible versions; later ones only add response fields).
const parsers = { 9: produceV9.parseResponse, 10: produceV10.parseResponse, 11: produceV11.parseResponse } as const;
/** Pauses before the 2nd, 3rd and 4th attempt of a send: a new topic's leaders are ready within ~100 ms. */
const RETRY_BACKOFF_MS = [50, 150, 400];

/**
 * Whether a failed request may be tried again, by the library's own marks: it retries an operation
 * only when no error in the chain says `canRetry: false` (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
 * NOT_ENOUGH_REPLICAS, a network error may; MESSAGE_TOO_LARGE, an authorization failure may not).
 * One exception: OUT_OF_ORDER_SEQUENCE_NUMBER, which a request queued behind a failed one gets
 * (its sequence follows the gap), is safe to retry here, as the retry takes a new producer id.
 * Errors not from the library (a bug here) are not retried.
 */
function retriable(err: unknown): boolean {
  if (!(err instanceof Error) || !GenericError.isGenericError(err)) return false;
  const marks = err as Error & { canRetry?: boolean; apiId?: string };
  if (marks.apiId === "OUT_OF_ORDER_SEQUENCE_NUMBER") return true;
  if (marks.canRetry === false) return false;
  return err instanceof AggregateError ? err.errors.every(retriable) : true;
}

/** The partitions a failed Produce request still wrote: the broker answers each partition on its own. */
function acknowledged(err: unknown): number[] {
  if (!(err instanceof ResponseError)) return [];
  const response = (err as ResponseError & { response?: { responses?: { partitionResponses: { index: number; errorCode: number }[] }[] } }).response;
  return (response?.responses?.[0]?.partitionResponses ?? []).filter((p) => p.errorCode === 0).map((p) => p.index);
}

/** Bytes of an unsigned varint. */
const uvarintSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
/** Bytes of a signed (zigzag) varint of a non-negative n. */
const varintSize = (n: number): number => uvarintSize(n * 2);

function writeUvarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}
const writeVarint = (buf: Buffer, at: number, n: number): number => writeUvarint(buf, at, n * 2);

/** A record's bytes as the batch carries them; the key and header strings encoded once. */
interface EncodedRecord {
  key: Buffer;
  /** Text (the gateway's envelope JSON) is written into the batch as UTF-8 directly. */
  value: Uint8Array | string;
  headers: [Buffer, Buffer][];
}

const byteLength = (v: Uint8Array | string): number => (typeof v === "string" ? Buffer.byteLength(v) : v.length);

/**
 * The records section of a RecordBatch v2 (uncompressed): per record its length, attributes,
 * timestamp and offset deltas, key, value and headers, all timestamps equal to the batch's.
 */
export function encodeRecords(records: readonly EncodedRecord[]): Buffer {
  const sizes = new Array<number>(records.length);
  const valueSizes = new Array<number>(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const valueSize = (valueSizes[i] = byteLength(r.value));
    // attributes (1) + timestamp delta 0 (1) + offset delta
    let size = 2 + varintSize(i) + varintSize(r.key.length) + r.key.length + varintSize(valueSize) + valueSize + varintSize(r.headers.length);
    for (const [k, v] of r.headers) size += varintSize(k.length) + k.length + varintSize(v.length) + v.length;
    sizes[i] = size;
    total += varintSize(size) + size;
  }
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    at = writeVarint(buf, at, sizes[i]!);
    buf[at++] = 0;
    buf[at++] = 0;
    at = writeVarint(buf, at, i);
    at = writeVarint(buf, at, r.key.length);
    at += r.key.copy(buf, at);
    at = writeVarint(buf, at, valueSizes[i]!);
    if (typeof r.value === "string") buf.write(r.value, at, "utf8");
    else buf.set(r.value, at);
    at += valueSizes[i]!;
    at = writeVarint(buf, at, r.headers.length);
    for (const [k, v] of r.headers) {
      at = writeVarint(buf, at, k.length);
      at += k.copy(buf, at);
      at = writeVarint(buf, at, v.length);
      at += v.copy(buf, at);
    }
  }
  return buf;
}

/**
 * zstd at level 1: on event JSON it compresses as well as level 3 (4,413 against 4,502 bytes for
 * 100 events of the benchmark mix) at 0.9 instead of 2.4 µs of CPU per event.
 */
export function compress(codec: KafkaCompression, data: Buffer): Buffer {
  if (codec === "zstd") return asBuffer(Bun.zstdCompressSync(data, { level: 1 }));
  if (codec === "gzip") return asBuffer(Bun.gzipSync(data as Uint8Array<ArrayBuffer>));
  return data;
}

export interface BatchHeader {
  count: number;
  timestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  codec: KafkaCompression;
}

// CRC-32C (Castagnoli, reflected 0x82f63b78) in JS for small batches: the native one costs ~6 µs a
// call whatever the size, most of a one-record send's encoding.
const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c;
});
export function crc32cOf(data: Uint8Array): number {
  if (data.length >= 4096) return crc32c(data) >>> 0;
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** A whole RecordBatch v2 (magic 2) around a records section already compressed with `h.codec`. */
export function encodeBatch(h: BatchHeader, records: Buffer): Buffer {
  const HEAD = 61;
  const buf = Buffer.allocUnsafe(HEAD + records.length);
  buf.writeBigInt64BE(0n, 0); // base offset: the broker assigns offsets
  buf.writeInt32BE(HEAD - 12 + records.length, 8); // length of what follows this field
  buf.writeInt32BE(-1, 12); // partition leader epoch: the broker's to fill
  buf[16] = 2; // magic
  buf.writeInt16BE(ATTRIBUTE_CODEC[h.codec], 21);
  buf.writeInt32BE(h.count - 1, 23); // last offset delta
  buf.writeBigInt64BE(BigInt(h.timestamp), 27);
  buf.writeBigInt64BE(BigInt(h.timestamp), 35);
  buf.writeBigInt64BE(h.producerId, 43);
  buf.writeInt16BE(h.producerEpoch, 51);
  buf.writeInt32BE(h.baseSequence, 53);
  buf.writeInt32BE(h.count, 57);
  records.copy(buf, HEAD);
  // CRC-32C from the attributes to the end.
  buf.writeUInt32BE(crc32cOf(buf.subarray(21)), 17);
  return buf;
}

/** Produce request body (v9-v11): no transactional id, acks, timeout, one topic and its partitions' batches. */
function produceRequest(topic: Buffer, timeoutMs: number, batches: { partition: number; batch: Buffer }[]): Buffer {
  let size = 1 + 2 + 4 + uvarintSize(2) + uvarintSize(topic.length + 1) + topic.length + uvarintSize(batches.length + 1) + 1 + 1;
  for (const b of batches) size += 4 + uvarintSize(b.batch.length + 1) + b.batch.length + 1;
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  buf[at++] = 0; // transactional_id: null (compact nullable string)
  at = buf.writeInt16BE(-1, at); // acks=all
  at = buf.writeInt32BE(timeoutMs, at);
  at = writeUvarint(buf, at, 2); // one topic
  at = writeUvarint(buf, at, topic.length + 1);
  at += topic.copy(buf, at);
  at = writeUvarint(buf, at, batches.length + 1);
  for (const b of batches) {
    at = buf.writeInt32BE(b.partition, at);
    at = writeUvarint(buf, at, b.batch.length + 1);
    at += b.batch.copy(buf, at);
    buf[at++] = 0; // partition's tagged fields
  }
  buf[at++] = 0; // topic's tagged fields
  buf[at++] = 0; // request's tagged fields
  return buf.subarray(0, at);
}

/** The records of one submission share their header values (the trace context): each distinct string is encoded once. */
function stringCache(): (s: string) => Buffer {
  const seen = new Map<string, Buffer>();
  return (s) => {
    let b = seen.get(s);
    if (!b) {
      if (seen.size > 1_000) seen.clear();
      seen.set(s, (b = Buffer.from(s)));
    }
    return b;
  };
}

export async function createPlatformaticPublisher(o: PlatformaticPublisherOptions): Promise<Publisher> {
  const producer = new Producer({
    clientId: o.clientId, bootstrapBrokers: o.brokers, idempotent: true, acks: -1, compression: o.compression,
    autocreateTopics: false, timeout: o.sendTimeoutMs, retries: 3,
  });
  // Connects and takes a producer id now: a broker that is not there fails the start, and the
  // first send does not spend the gateway's stall budget on it.
  let identity = await producer.initIdempotentProducer({});
  const apis = await producer.listApis();
  const maxProduce = apis.find((a) => a.apiKey === PRODUCE)?.maxVersion ?? 0;
  if (maxProduce < 9) throw new Error(`the broker speaks Produce up to v${maxProduce}; this publisher needs v9 (Kafka 2.8 or later)`);
  const version = Math.min(11, maxProduce) as 9 | 10 | 11;
  const parse = parsers[version];
  const headerBytes = stringCache();
  const topicBytes = stringCache();
  /** Next sequence per topic-partition for the current producer id. */
  let sequences = new Map<string, number>();
  let renewing: Promise<void> | undefined;

  /**
   * A new producer id after a failed request: sequences start again at 0, so no gap is ever sent.
   * The id and the sequences change together: a request queued meanwhile pairs the old id with
   * the old id's sequences, never with a 0 the broker would refuse as out of order.
   */
  function renewIdentity(): Promise<void> {
    renewing ??= producer.initIdempotentProducer({}).then(
      (info) => {
        identity = info;
        sequences = new Map();
      },
      () => {}, // the next send tries again; meanwhile sends fail, as they would anyway
    ).finally(() => (renewing = undefined));
    return renewing;
  }

  // The library validates options and publishes diagnostics on every metadata and connection
  // call: a topic's placement is kept for as long as the library keeps metadata (5 s), and a
  // leader's connection while it is connected; any failed request drops both.
  type Metadata = Awaited<ReturnType<typeof producer.metadata>>;
  type Placement = { info: NonNullable<ReturnType<Metadata["topics"]["get"]>>; brokers: Metadata["brokers"]; until: number };
  const topics = new Map<string, Placement>();
  const connections = new Map<number, Promise<ProduceConnection>>();
  async function placement(topic: string): Promise<Placement> {
    const held = topics.get(topic);
    if (held && held.until > Date.now()) return held;
    const metadata = await producer.metadata({ topics: [topic] });
    const info = metadata.topics.get(topic);
    if (!info) throw new Error(`topic ${topic} is not in the cluster's metadata`);
    const fresh = { info, brokers: metadata.brokers, until: Date.now() + 5_000 };
    topics.set(topic, fresh);
    return fresh;
  }
  /** The leader's Produce connection (our own, produce-connection.ts), opened once and shared while open. */
  async function connectionTo(leader: number, brokers: Metadata["brokers"]): Promise<ProduceConnection> {
    const held = connections.get(leader);
    if (held) {
      const connection = await held;
      if (connection.open) return connection;
      if (connections.get(leader) === held) connections.delete(leader);
      return connectionTo(leader, brokers);
    }
    const { host, port } = brokers.get(leader)!;
    const opening = openProduceConnection({ host, port, clientId: o.clientId, version, timeoutMs: o.sendTimeoutMs, parse });
    connections.set(leader, opening);
    opening.catch(() => connections.get(leader) === opening && connections.delete(leader));
    return opening;
  }

  /** What of a send is not acknowledged yet: per partition its records, compressed once for all attempts. */
  type Part = { partition: number; count: number; section: Buffer };

  /**
   * One attempt: a request per leader with the batches of the partitions it leads. Acknowledged
   * partitions leave `pending`; the first failure is returned.
   */
  async function attempt(topic: string, pending: Map<number, Part>): Promise<unknown> {
    const { info, brokers } = await placement(topic);
    const byLeader = new Map<number, Part[]>();
    for (const part of pending.values()) {
      const leader = info.partitions[part.partition]?.leader ?? -1;
      // No leader yet (-1) or one not in this metadata: as the broker would answer, to be retried.
      if (!brokers.has(leader)) return new ProtocolError("LEADER_NOT_AVAILABLE");
      let parts = byLeader.get(leader);
      if (!parts) byLeader.set(leader, (parts = []));
      parts.push(part);
    }
    const sent: Promise<void>[] = [];
    for (const [leader, parts] of byLeader) {
      const connection = await connectionTo(leader, brokers);
      // Sequences are taken only now, with the connection in hand, and the request queued at once:
      // requests reach the broker in the order their sequences were taken.
      const now = Date.now();
      const { producerId, producerEpoch } = identity;
      const batches = parts.map((p) => {
        const tp = `${topic}:${p.partition}`;
        const baseSequence = sequences.get(tp) ?? 0;
        sequences.set(tp, (baseSequence + p.count) % 2 ** 31);
        return { partition: p.partition, batch: encodeBatch({ count: p.count, timestamp: now, producerId, producerEpoch, baseSequence, codec: o.compression }, p.section) };
      });
      sent.push(connection.send(produceRequest(topicBytes(topic), o.sendTimeoutMs, batches)).then(
        () => parts.forEach((p) => pending.delete(p.partition)),
        (err) => {
          for (const partition of acknowledged(err)) pending.delete(partition);
          throw err;
        },
      ));
    }
    const failed = (await Promise.allSettled(sent)).find((r) => r.status === "rejected");
    return failed ? (failed as PromiseRejectedResult).reason : undefined;
  }

  async function send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const deadline = Date.now() + o.sendTimeoutMs;
    if (renewing) await renewing;
    const { info } = await placement(topic);
    const byPartition = new Map<number, EncodedRecord[]>();
    for (const r of records) {
      const key = Buffer.from(r.key);
      const headers: [Buffer, Buffer][] = [];
      if (r.headers) for (const k in r.headers) headers.push([headerBytes(k), headerBytes(r.headers[k]!)]);
      const partition = positiveMurmur2(key) % info.partitionsCount;
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push({ key, value: r.value, headers });
    }
    const pending = new Map<number, Part>();
    for (const [partition, list] of byPartition) pending.set(partition, { partition, count: list.length, section: compress(o.compression, encodeRecords(list)) });
    for (let tries = 0; ; tries++) {
      let failure: unknown;
      try {
        failure = await attempt(topic, pending);
      } catch (err) {
        failure = err; // the placement or a connection
      }
      if (failure === undefined) return;
      // Stale leaders and broken connections are looked up again; the id is renewed as the failed
      // request left a gap in its partitions' sequences.
      topics.clear();
      // Connections are retired, not closed: requests of other sends still in flight on them get their answers.
      for (const c of connections.values()) void c.then((c) => c.retire(), () => {});
      connections.clear();
      producer.clearMetadata();
      const renewed = renewIdentity();
      const pause = RETRY_BACKOFF_MS[tries];
      if (pause === undefined || !retriable(failure) || Date.now() + pause >= deadline) throw failure;
      await Bun.sleep(pause);
      await renewed;
    }
  }

  return {
    send,
    isReady: () => !producer.closed,
    async close() {
      for (const c of connections.values()) void c.then((c) => c.close(), () => {});
      connections.clear();
      await producer.close();
    },
  };
}
