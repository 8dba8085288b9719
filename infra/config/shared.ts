/**
 * Settings every role may read: logging, topics, where the services are and the embedded
 * defaults' folder. Each role's own config type (gateway/config.ts, processor/config.ts, ...)
 * is these plus its own settings; only the composition root (infra/app/config/schema.ts) holds them all.
 */
import { z } from "zod";
import { hostPortList, positiveInt, url } from "./types.ts";

export const sharedEnv = {
  FG_CONFIG_FILE: z.string().optional().describe("JSON or YAML file with FG_* keys; the environment overrides it"),
  FG_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info").describe("Log level"),
  FG_DATA_DIR: z.string().default(".fluxgate/embedded").describe("Embedded defaults keep their files here (the S3 stand-in, API keys, the events copy of `fluxgate sql`)"),
  FG_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default("").describe("Prefix for every Kafka topic name"),

  FG_KAFKA_BROKERS: hostPortList.optional().describe("Kafka bootstrap servers, host:port[,host:port]; unset = in-process log"),
  FG_BUS_MEMORY_MAX_BYTES: positiveInt.default(256 * 1024 * 1024)
    .describe("Without Kafka: bytes the in-process bus may hold that its consumer groups have not all committed; past it ingest answers 503"),
  FG_KAFKA_CLIENT_ID: z.string().default("fluxgate").describe("Kafka client id"),
  FG_KAFKA_PRODUCER: z.enum(["platformatic", "kafkajs"]).default("platformatic")
    .describe("Client that publishes to Kafka: @platformatic/kafka (twice kafkajs' producing rate on Bun, see docs/benchmarks.md) or kafkajs; consumers use kafkajs"),
  FG_KAFKA_COMPRESSION: z.enum(["zstd", "gzip", "none"]).default("zstd")
    .describe("Codec of the batches Fluxgate publishes: zstd (a fifth of gzip's CPU at about its ratio), gzip, or none"),
  FG_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000, "the broker refuses less than 6000 (group.min.session.timeout.ms)").max(300_000).default(30_000)
    .describe("Consumer session timeout: how long a crashed consumer keeps its partitions before the group moves them"),
  FG_REDIS_URL: url(/^rediss?$/).describe("Redis URL; unset = in-memory state and local rate limits"),
  FG_POSTGRES_URL: url(/^postgres(ql)?$/).describe("Postgres URL; unset = no warm tier, API keys from a file"),
  FG_CLICKHOUSE_URL: url(/^https?$/).describe("ClickHouse HTTP URL; unset = no analytics tier"),
  FG_CLICKHOUSE_DATABASE: z.string().default("fluxgate").describe("ClickHouse database"),
  FG_S3_ENDPOINT: url(/^https?$/).describe("S3-compatible endpoint; unset = archive to files under FG_DATA_DIR"),
  FG_S3_ACCESS_KEY: z.string().optional().describe("S3 access key id"),
  FG_S3_SECRET_KEY: z.string().optional().describe("S3 secret access key"),
  FG_S3_BUCKET: z.string().default("fluxgate").describe("S3 bucket of the cold archive"),
  FG_S3_REGION: z.string().default("us-east-1").describe("S3 region"),
};

const sharedEnvSchema = z.object(sharedEnv);
export type SharedEnv = z.output<typeof sharedEnvSchema>;
