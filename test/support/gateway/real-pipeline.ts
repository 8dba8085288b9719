/**
 * For the streaming fronts' integration tests: the real ingest pipeline (keys in Postgres, limits in
 * Redis, the acking producer on Kafka) on a unique topic prefix, a way to make keys, and a reader
 * of what reached fg.events. Built from the same parts as gateway/role.ts.
 */
import { Kafka, logLevel } from "kafkajs";
import type { Publisher } from "../../../infra/bus/port.ts";
import { createKafkaBus } from "../../../infra/bus/kafka.ts";
import { topicNames } from "../../../infra/bus/topics.ts";
import { loadConfig } from "../../../infra/app/config/load.ts";
import { createLogger } from "../../../infra/telemetry/logger.ts";
import { requireEnv, uniqueName } from "../services.ts";
import { waitFor } from "../wait-for.ts";
import { createIngest } from "../../../gateway/ingest/pipeline.ts";
import { prepareSettings } from "../../../gateway/ingest/prepare.ts";
import { createAckingProducer } from "../../../gateway/ingest/producer.ts";
import type { Ingest } from "../../../gateway/ingest/types.ts";
import { runKeysCommand } from "../../../gateway/keys/cli.ts";
import { createAuthenticator, openKeyStore } from "../../../gateway/keys/index.ts";
import { bucketsFor, createRateLimiter } from "../../../gateway/limits/index.ts";

export interface PublishedRecord {
  key: string;
  value: Record<string, unknown>;
}

export interface RealPipeline {
  ingest: Ingest;
  newKey(app: string): Promise<string>;
  /** Waits for `count` records on the test's fg.events, then a little longer to catch extras. */
  published(count: number): Promise<PublishedRecord[]>;
  stop(): Promise<void>;
}

export async function startRealPipeline(name: string): Promise<RealPipeline> {
  const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
  requireEnv("FG_POSTGRES_URL");
  requireEnv("FG_REDIS_URL");
  const env = loadConfig({ ...process.env, FG_TOPIC_PREFIX: `${uniqueName(name)}.`, FG_LOG_LEVEL: "error" });
  const topics = topicNames(env.FG_TOPIC_PREFIX);
  const logger = createLogger("error");
  const bus = createKafkaBus({ brokers, clientId: name });
  await bus.ensureTopics([{ name: topics.events, partitions: 2 }]);
  const publisher: Publisher = await bus.publisher();
  const producer = createAckingProducer({
    publisher, topic: topics.events, lingerMs: env.FG_PRODUCER_LINGER_MS, maxBatchBytes: env.FG_PRODUCER_MAX_BATCH_BYTES,
    maxInflightBytes: env.FG_PRODUCER_MAX_INFLIGHT_BYTES, stallMs: env.FG_PRODUCER_STALL_MS,
  });
  const keys = await openKeyStore(env);
  const limiter = createRateLimiter(env, logger);
  const ingest = createIngest({
    authenticator: createAuthenticator(keys, { ttlMs: env.FG_GATEWAY_KEY_CACHE_TTL_MS }),
    limiter, buckets: (p) => bucketsFor(env, p), producer,
    ...prepareSettings(env),
  });
  return {
    ingest,
    async newKey(app) {
      const out: string[] = [];
      const code = await runKeysCommand(["create", "--app", app], env, { out: (l) => out.push(l), err: (l) => out.push(l) });
      if (code !== 0) throw new Error(`keys create failed: ${out.join("\n")}`);
      return out[1]!;
    },
    async published(count) {
      const kafka = new Kafka({ clientId: `${name}-reader`, brokers, logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: uniqueName("reader") });
      const seen: PublishedRecord[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: topics.events, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) }) });
      try {
        await waitFor(() => seen.length, (n) => n >= count, { what: `${count} events on ${topics.events}` });
        await Bun.sleep(500); // anything beyond `count` would be a rejected event that got through
      } finally {
        await consumer.disconnect();
      }
      return seen;
    },
    async stop() {
      await producer.drain();
      await publisher.close();
      await limiter.close();
      await keys.close();
      await bus.close();
    },
  };
}
