/**
 * The bus port: what the gateway, processor and store need from a log like Kafka, and no more.
 * Adapters: kafka.ts (kafkajs, the real thing) and memory.ts (the embedded default). Both pass
 * the same contract suite (bus.contract.ts).
 */

export interface OutgoingRecord {
  key: string;
  value: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  /** Kafka offsets exceed 2^53 in theory; kept as decimal strings like kafkajs does. */
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  timestamp: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface IncomingBatch extends TopicPartition {
  records: IncomingRecord[];
}

export interface Publisher {
  /** Resolves once the bus has durably accepted every record (acks=all on Kafka); rejects otherwise. */
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  /** True while the publisher can reach the bus. */
  isReady(): boolean;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. */
  fromBeginning?: boolean;
  /**
   * Told which partitions this member owns after each rebalance, so that state kept per
   * partition (caches, checkpoints) can be loaded or dropped. A consumer that must not apply a
   * record twice compares offsets with its own checkpoint: commits can lag it after a crash.
   */
  onAssignment?: (partitions: TopicPartition[]) => void | Promise<void>;
  /**
   * How many batches of one partition the handler may hold at once (default 1: one at a time).
   * Above 1, the adapter fetches and hands over the next batch while earlier ones are still in
   * hand, so fetching and decoding overlap the handler's own I/O. Calls stay in offset order, and
   * a batch is committed only once it and every earlier batch of its partition resolved. For
   * handlers that gather deliveries and write idempotently (the store's sinks): a batch in hand
   * when its partition moves to another member may be handled by both, as after a crash.
   */
  inFlightBatches?: number;
  /**
   * Who commits offsets. "handled" (default): the adapter commits a batch once its handler has
   * resolved. "explicit": the adapter never commits by itself; the subscriber calls
   * `Subscription.commit` with offsets it has made durable elsewhere (the processor's checkpoints
   * in Redis), so its handler can return before the batch is durable and the adapter fetches on.
   * After a rebalance or a new subscription, a partition resumes at the last explicit commit,
   * which may be behind what the handler already had: skip what you hold (compare offsets).
   */
  commits?: "handled" | "explicit";
  /**
   * With commits "explicit": called by stop() once no batch is in hand and none will be handed
   * over any more, before the group is left, so the subscriber can make its last batches durable
   * and commit them (`commit` still works inside it).
   */
  drain?: () => Promise<void>;
}

/** A partition's next offset to read: what a commit records. */
export interface PartitionOffset extends TopicPartition {
  offset: string;
}

/**
 * Handles one batch of one partition. Offsets up to the batch's last record are committed only
 * after the returned promise resolves; a rejection stops the subscription (the records are
 * redelivered to whoever consumes the partition next), so data problems must be handled inside
 * (e.g. sent to the DLQ), not thrown.
 */
export type BatchHandler = (batch: IncomingBatch) => Promise<void>;

export interface Subscription {
  /** Stops fetching, lets the batch in hand finish and commit (or runs `drain`), then leaves the group. */
  stop(): Promise<void>;
  /**
   * With commits "explicit": records these next offsets as the group's position. Rejects when
   * the group cannot take them (e.g. the partition moved in a rebalance); a commit that did not
   * land only means more to skip after the next restart.
   */
  commit(offsets: PartitionOffset[]): Promise<void>;
  /** Settles when the subscription ends: resolves on stop(), rejects when a handler failed. */
  readonly done: Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Compacted topics keep the last value per key (rule-set versions). */
  compacted?: boolean;
}

/** How far one consumer group is behind on one partition: end offset minus committed offset. */
export interface PartitionLag extends TopicPartition {
  groupId: string;
  /** Next offset the group will read; null before its first commit (then the whole log counts). */
  committed: number | null;
  end: number;
  lag: number;
}

export interface Bus {
  readonly kind: "kafka" | "memory";
  publisher(): Promise<Publisher>;
  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription>;
  /**
   * Creates the topics that are missing. Answers each named topic's partition count: an existing
   * topic keeps its own, which may differ from the spec.
   */
  ensureTopics(topics: TopicSpec[]): Promise<Record<string, number>>;
  /** Lag of each named group on every partition of the topics it consumes (for operators' views). */
  lag(groups: { groupId: string; topics: string[] }[]): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

export const partitionKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/** Bytes as a Buffer over the same memory, without a copy (Kafka clients take Buffers). */
export const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
