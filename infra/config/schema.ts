/**
 * The one configuration schema. Every setting is an FG_* environment variable (optionally
 * read from a config file first); zod parses and defaults them all at start-up, so a bad value
 * stops the program before anything runs, with a message that names the variable.
 */
import { z } from "zod";
import { gatewayEnv } from "../../gateway/config.ts";
import { processorEnv } from "../../processor/config.ts";
import { rulesEnv } from "../../rules/config.ts";
import { storeEnv } from "../../store/config.ts";
import { bool, hostPortList, port, positiveInt, url } from "./types.ts";

/** Settings every role shares: logging, topics, and where the services are. */
const coreEnv = {
  FG_CONFIG_FILE: z.string().optional().describe("JSON or YAML file with FG_* keys; the environment overrides it"),
  FG_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info").describe("Log level"),
  FG_DATA_DIR: z.string().default(".fluxgate/embedded").describe("Embedded defaults keep their files here (the S3 stand-in, API keys)"),
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

  FG_ADMIN_HOST: z.string().default("127.0.0.1").describe("Bind address of the admin endpoint"),
  FG_ADMIN_PORT: port.optional().describe("Serve /healthz, /readyz, /metrics and the console (/console) on this port in processes without the gateway role (which serves them itself); unset = none"),
  FG_ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional()
    .describe("Operator key of the console (/console): sees every app, the pipeline, and may roll rules back; unset = a new one each start, printed with the console's URL"),
  FG_SHUTDOWN_TIMEOUT_MS: positiveInt.default(15000).describe("How long a graceful shutdown may drain in-flight work"),
  FG_OTEL_ENABLED: bool.default(false).describe("Start the OpenTelemetry SDK (exporters from the standard OTEL_* variables)"),
};

/**
 * Environment variables, by name: the source of truth for docs/configuration.md. Each part owns
 * the variables of its own settings (gateway/config.ts, processor/config.ts, rules/config.ts, store/config.ts).
 */
export const envSchema = z.object({ ...coreEnv, ...gatewayEnv, ...processorEnv, ...rulesEnv, ...storeEnv });

export type Env = z.output<typeof envSchema>;

/** Cross-field rules that a single variable cannot state. */
export const checkedEnvSchema = envSchema.superRefine((env, ctx) => {
  if (env.FG_S3_ENDPOINT && (!env.FG_S3_ACCESS_KEY || !env.FG_S3_SECRET_KEY)) {
    for (const name of ["FG_S3_ACCESS_KEY", "FG_S3_SECRET_KEY"] as const) {
      if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required when FG_S3_ENDPOINT is set" });
    }
  }
  if (env.FG_GATEWAY_PORT === env.FG_GRPC_PORT) {
    ctx.addIssue({ code: "custom", path: ["FG_GRPC_PORT"], message: "must differ from FG_GATEWAY_PORT" });
  }
});
