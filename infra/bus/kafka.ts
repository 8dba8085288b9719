/**
 * The Kafka bus adapter: consumers on kafkajs, the publisher on @platformatic/kafka (or kafkajs,
 * FG_KAFKA_PRODUCER). The producer is idempotent with acks=all, so a resolved
 * send() means the record is on every in-sync replica; consumers never auto-commit: either after
 * the batch handler resolves, or (commits "explicit") only when the subscriber says so
 * (docs/design.md, "Guarantees").
 */
import { CompressionTypes, Kafka, logLevel, Partitioners, type Consumer, type EachBatchPayload, type LogEntry, type Producer } from "kafkajs";
import { createLogger, type Logger } from "../telemetry/logger.ts";
import type { KafkaCompression } from "./compression.ts";
import { createPlatformaticPublisher } from "./platformatic-publisher.ts";
import { fixKafkajsIdlePolling } from "./kafkajs-idle-poll.ts";
import { registerZstdCodec } from "./zstd-codec.ts";
import { asBuffer, partitionKey, type Bus, type BatchHandler, type IncomingRecord, type PartitionLag, type Publisher, type SubscribeOptions, type Subscription, type TopicSpec } from "./port.ts";

const codecs = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, zstd: CompressionTypes.ZSTD } as const;

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Codec of published batches (default zstd); consumers read all three. */
  compression?: KafkaCompression;
  /** How long a send may retry before it fails, so callers can answer 503 rather than hang. */
  sendTimeoutMs?: number;
  /** How long a silent consumer keeps its partitions: also how long a crashed one blocks them. */
  sessionTimeoutMs?: number;
  /** Which client publishes: @platformatic/kafka (default: twice kafkajs' rate on Bun, docs/benchmarks.md) or kafkajs. */
  producer?: "kafkajs" | "platformatic";
  logger?: Logger;
}

const kafkaLevels: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error", [logLevel.WARN]: "warn", [logLevel.INFO]: "info", [logLevel.DEBUG]: "debug",
};

/** kafkajs logs through ours; its per-request errors are retried noise, so only WARN and up pass. */
function kafkaLogCreator(logger: Logger) {
  return () => ({ level, log }: LogEntry) => {
    const { message, ...fields } = log;
    logger[level === logLevel.ERROR ? "warn" : (kafkaLevels[level] ?? "debug")](`kafkajs: ${message}`, fields);
  };
}

/** Worker slots of a pipelined consumer: more than the partitions one member of a group normally owns. */
const PIPELINED_PARTITIONS = 16;

const headerText = (h: Buffer | string | (Buffer | string)[] | undefined): string | undefined =>
  h === undefined ? undefined : Array.isArray(h) ? headerText(h[h.length - 1]) : h.toString();

function toIncoming(topic: string, partition: number, m: EachBatchPayload["batch"]["messages"][number]): IncomingRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const text = headerText(v);
    if (text !== undefined) headers[k] = text;
  }
  return {
    topic, partition, offset: m.offset, key: m.key ? m.key.toString() : null,
    value: m.value ?? Buffer.alloc(0), headers, timestamp: Number(m.timestamp),
  };
}

export function createKafkaBus(options: KafkaBusOptions): Bus {
  registerZstdCodec();
  fixKafkajsIdlePolling();
  const sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
  const compression = options.compression ?? "zstd";
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  const logger = options.logger ?? createLogger().child({ component: "kafka" });
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    connectionTimeout: 3_000,
    requestTimeout: sendTimeoutMs,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
  const producers: Producer[] = [];
  const consumers: Consumer[] = [];

  async function publisher(): Promise<Publisher> {
    if ((options.producer ?? "platformatic") === "platformatic") {
      return createPlatformaticPublisher({ brokers: options.brokers, clientId: options.clientId, compression, sendTimeoutMs });
    }
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    let connected = false;
    producer.on(producer.events.CONNECT, () => (connected = true));
    producer.on(producer.events.DISCONNECT, () => (connected = false));
    await producer.connect();
    producers.push(producer);
    return {
      async send(topic, records) {
        if (records.length === 0) return;
        await producer.send({
          topic, acks: -1, timeout: sendTimeoutMs, compression: codecs[compression],
          // kafkajs encodes strings itself; bytes are wrapped, not copied.
          messages: records.map((r) => ({ key: r.key, value: typeof r.value === "string" ? r.value : asBuffer(r.value), headers: r.headers })),
        });
      },
      isReady: () => connected,
      async close() {
        await producer.disconnect();
        producers.splice(producers.indexOf(producer), 1);
      },
    };
  }

  async function subscribe(opts: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    const consumer = kafka.consumer({
      groupId: opts.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout,
      rebalanceTimeout: 30_000,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
      // How long the broker holds a fetch that finds nothing: data returns it at once (minBytes 1),
      // so this bounds only idle polling. Measured idle (`fluxgate all` + broker): 22% of a core at
      // 100 ms, 14% at 500 ms; the price is a slower stop (0.4 -> 1.7 s) while fetches finish.
      maxWaitTimeInMs: 500,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
    consumers.push(consumer);
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => {}); // observed through `done` by the caller; never an unhandled rejection here
    let stopping = false;

    if (opts.onAssignment) {
      const onAssignment = opts.onAssignment;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        const assigned = Object.entries(e.payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => ({ topic, partition })));
        void Promise.resolve(onAssignment(assigned)).catch((err) => settle.reject(err));
      });
    }
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) settle.reject(e.payload.error);
    });

    await consumer.connect();
    for (const topic of opts.topics) await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? false });
    const explicit = opts.commits === "explicit";
    const depth = explicit ? 1 : Math.max(1, opts.inFlightBatches ?? 1);
    /** The handler call in progress (one at a time): with explicit commits, stop() waits for it before draining. */
    let current: Promise<void> | undefined;
    /** Per partition, the batches in hand, oldest first: each settles once committed (or given up). */
    const inHand = new Map<string, Promise<void>[]>();
    let failed = false;

    function fail(err: unknown) {
      // Nothing of this batch (nor of any later one of its partition) is committed; stop so the partition is redelivered intact.
      failed = true;
      settle.reject(err);
      void consumer.stop();
    }

    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Pipelined partitions each wait for room of their own, so they must not queue behind one another.
      partitionsConsumedConcurrently: depth > 1 ? PIPELINED_PARTITIONS : 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0 || failed) return;
        const { topic, partition } = batch;
        const records = batch.messages.map((m) => toIncoming(topic, partition, m));
        const last = batch.messages[batch.messages.length - 1]!.offset;
        // Through the batch's own commit: consumer.commitOffsets is silently skipped once stop() has
        // begun, which would redeliver the batch in hand after every graceful stop.
        const commit = () => commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }] });
        const beat = setInterval(() => void heartbeat().catch(() => {}), 2_000);
        if (depth === 1) {
          // Once drain may run, nothing more is handed over (it is fetched again by whoever consumes next).
          if (explicit && stopping) return clearInterval(beat);
          current = handler({ topic, partition, records });
          try {
            await current;
          } catch (err) {
            fail(err);
            throw err;
          } finally {
            clearInterval(beat);
          }
          resolveOffset(last);
          // With explicit commits, kafkajs fetches on and the subscriber commits what it made durable.
          if (!explicit) await commit();
          return;
        }
        const queue = inHand.get(partitionKey(batch)) ?? [];
        inHand.set(partitionKey(batch), queue);
        try {
          while (queue.length >= depth) await queue[0];
        } finally {
          clearInterval(beat);
        }
        if (failed || stopping || !isRunning() || isStale()) return;
        // kafkajs fetches on from here; what is committed is decided below, batch by batch.
        resolveOffset(last);
        const previous = queue.at(-1);
        const handled = handler({ topic, partition, records });
        const settled = Promise.all([handled, previous]).then(
          () => failed ? undefined : commit().catch((err) => logger.warn("commit failed; the batch will be delivered again", { topic, partition, err })),
          (err) => (failed ? undefined : fail(err)),
        ).finally(() => queue.splice(queue.indexOf(settled), 1));
        queue.push(settled);
      },
    });

    return {
      done,
      async commit(offsets) {
        if (offsets.length) await consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
      },
      async stop() {
        if (stopping) return done.catch(() => {});
        stopping = true;
        if (explicit && !failed) {
          // No batch is handed over from here on; the consumer keeps running so that drain's commits still land.
          await current?.catch(() => {});
          // A drain that fails leaves its offsets uncommitted (redelivered later); the group is left all the same.
          await opts.drain?.().catch((err) => logger.warn("drain before leaving the group failed", { groups: opts.groupId, err }));
        }
        // Pipelined batches in hand finish and commit while the consumer still runs; the rest are fetched again later.
        await Promise.all([...inHand.values()].flat());
        await consumer.disconnect(); // waits for the batch in hand, which commits before returning
        consumers.splice(consumers.indexOf(consumer), 1);
        settle.resolve();
      },
    };
  }

  return {
    kind: "kafka",
    publisher,
    subscribe,
    async ensureTopics(specs: TopicSpec[]) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = specs.filter((s) => !existing.has(s.name));
        if (missing.length) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((s) => ({
              topic: s.name, numPartitions: s.partitions, replicationFactor: -1,
              configEntries: s.compacted ? [{ name: "cleanup.policy", value: "compact" }] : [],
            })),
          });
        }
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
        return Object.fromEntries(metadata.map((t) => [t.name, t.partitions.length]));
      } finally {
        await admin.disconnect();
      }
    },
    async lag(groups) {
      if (groups.length === 0) return [];
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = [...new Set(groups.flatMap((g) => g.topics))];
        const ends = new Map<string, number>();
        for (const topic of topics)
          for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
        const out: PartitionLag[] = [];
        for (const g of groups) {
          for (const t of await admin.fetchOffsets({ groupId: g.groupId, topics: g.topics })) {
            for (const p of t.partitions) {
              const end = ends.get(`${t.topic}:${p.partition}`) ?? 0;
              // kafkajs answers -1 for a partition the group never committed.
              const committed = Number(p.offset) < 0 ? null : Number(p.offset);
              out.push({ groupId: g.groupId, topic: t.topic, partition: p.partition, committed, end, lag: Math.max(0, end - (committed ?? 0)) });
            }
          }
        }
        return out;
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      await Promise.allSettled([...consumers.map((c) => c.disconnect()), ...producers.map((p) => p.disconnect())]);
    },
  };
}
