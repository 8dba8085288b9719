/**
 * The store role: every configured sink as a consumer group of its own (ClickHouse when
 * FG_CLICKHOUSE_URL is set, Postgres when FG_POSTGRES_URL is, the archive always: S3 or local
 * files), the window-result and alert writers (to ClickHouse, or without it to Parquet beside the
 * archive, for `fluxgate sql`), retention and hourly compaction of the archive.
 * A sink whose tier is down at start-up keeps trying to prepare in the background while the
 * others run; stop() drains every batch in hand before closing the connections.
 */
import type { IncomingRecord } from "../infra/bus/port.ts";
import type { Role, RoleContext } from "../infra/role.ts";
import type { Logger } from "../infra/telemetry/logger.ts";
import { topicSpecs } from "../infra/bus/topics.ts";
import { createClickHouseTier, type ClickHouseTier } from "./clickhouse/tier.ts";
import { type StoreEnv, storeSettings } from "./config.ts";
import { createPostgresTier, type PostgresTier } from "./postgres/tier.ts";
import { createStoreRetention } from "./retention/index.ts";
import { createClickHouseRetentionTask } from "./clickhouse/retention.ts";
import { backoffDelay } from "./runtime/backoff.ts";
import { createSharedDecoder, createSinkRuntime, decodeAlert, decodeEnvelope, decodeWindowRecord, type Decoded, type SinkRuntime, type SinkRuntimeOptions } from "./runtime/index.ts";
import { createArchiveCompactor, createArchiveSink, createResultsArchiveSink } from "./s3/index.ts";

/**
 * Decoded events kept for the event sinks behind the first: enough for sinks a few deliveries
 * apart (each holds up to two of ~5,000 records a partition; measured: 1.1 decodes per event),
 * ~1 KB each, so at most ~100 MB while a tier is down and its sink reads nothing.
 */
const SHARED_DECODE_ROWS = 100_000;

/** The runtime options every job shares; each job adds its name, topic, decoder and writer. */
type SharedOptions = Omit<SinkRuntimeOptions<never>, "name" | "topic" | "decode" | "write" | "logger">;

interface Job {
  name: string;
  prepare(): Promise<void>;
  runtime(shared: SharedOptions, logger: Logger): SinkRuntime;
}

function job<T>(name: string, topic: string, decode: (record: IncomingRecord) => Decoded<T>, write: (items: T[]) => Promise<void>, prepare: () => Promise<void>): Job {
  return { name, prepare, runtime: (shared, logger) => createSinkRuntime<T>({ ...shared, name, topic, decode, write, logger }) };
}

export function createStoreRole(ctx: RoleContext<StoreEnv>): Role {
  const { env, bus, topics, logger } = ctx;
  const settings = storeSettings(env);
  const archive = createArchiveSink(env, logger.child({ sink: "archive" }));
  const clickhouse: ClickHouseTier | undefined = env.FG_CLICKHOUSE_URL
    ? createClickHouseTier({ url: env.FG_CLICKHOUSE_URL, database: env.FG_CLICKHOUSE_DATABASE })
    : undefined;
  const postgres: PostgresTier | undefined = env.FG_POSTGRES_URL
    ? createPostgresTier({
      url: env.FG_POSTGRES_URL, schema: settings.FG_STORE_POSTGRES_SCHEMA,
      partitionsAheadDays: settings.FG_POSTGRES_PARTITIONS_AHEAD_DAYS, retentionDays: settings.FG_RETENTION_POSTGRES_DAYS,
    })
    : undefined;

  const jobs: Job[] = [];
  const eventSinks = [clickhouse?.events, postgres?.events, archive].filter((sink) => sink !== undefined);
  // Each event sink is a group of its own, but they read the same records: decoded once for all.
  const events = createSharedDecoder(decodeEnvelope, { readers: eventSinks.length, capacity: SHARED_DECODE_ROWS });
  for (const sink of eventSinks) jobs.push(job(sink.name, topics.events, events.decode, (batch) => sink.write(batch), () => sink.prepare()));
  if (clickhouse) {
    jobs.push(job("clickhouse-windows", topics.windows, decodeWindowRecord, clickhouse.writeWindows, clickhouse.prepare));
    jobs.push(job("clickhouse-alerts", topics.alerts, decodeAlert, clickhouse.writeAlerts, clickhouse.prepare));
  } else {
    // Without ClickHouse, `fluxgate sql` reads window results and alerts from the archive (docs/store.md).
    const results = createResultsArchiveSink(env);
    jobs.push(job("archive-windows", topics.windows, decodeWindowRecord, results.writeWindows, results.prepare));
    jobs.push(job("archive-alerts", topics.alerts, decodeAlert, results.writeAlerts, results.prepare));
  }
  if (postgres) jobs.push(job("postgres-windows", topics.windows, decodeWindowRecord, postgres.writeWindows, postgres.prepare));

  const retry = { maxAttempts: settings.FG_STORE_RETRY_MAX_ATTEMPTS, baseMs: settings.FG_STORE_RETRY_BASE_MS, maxMs: settings.FG_STORE_RETRY_MAX_MS };
  const runtimes: SinkRuntime[] = [];
  const retention = createStoreRetention(env, { logger: logger.child({ job: "retention" }), tasks: [
    ...(postgres ? [postgres.retention] : []),
    ...(clickhouse ? [createClickHouseRetentionTask({ client: clickhouse.client, database: clickhouse.database, retentionDays: settings.FG_RETENTION_CLICKHOUSE_DAYS })] : []),
  ] });
  const compactor = createArchiveCompactor(env, logger.child({ job: "compaction" }));
  let compaction: ReturnType<typeof setInterval> | undefined;
  let compacting: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const stopSignal = Promise.withResolvers<void>();
  const starting: Promise<void>[] = [];

  /** Prepares a job's tier (retrying while it is unreachable), then joins its consumer group. */
  async function startJob(job: Job) {
    const log = logger.child({ sink: job.name });
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await job.prepare();
        break;
      } catch (err) {
        const delayMs = backoffDelay(attempt, retry);
        log.error("sink cannot prepare its tier; retrying", { delayMs, err });
        await Promise.race([Bun.sleep(delayMs), stopSignal.promise]);
      }
    }
    if (stopped) return;
    const runtime = job.runtime({
      bus, dlqTopic: topics.dlq, groupPrefix: settings.FG_STORE_GROUP_PREFIX, retry, consumers: settings.FG_STORE_CONSUMERS_PER_SINK,
      batch: { maxRows: settings.FG_STORE_BATCH_MAX_ROWS, maxWaitMs: settings.FG_STORE_BATCH_MAX_WAIT_MS },
    }, log);
    runtimes.push(runtime);
    await runtime.start();
  }

  return {
    name: "store",
    async start() {
      await bus.ensureTopics(topicSpecs(topics));
      // Each job on its own: a tier that is down must not keep the others from starting.
      const first = jobs.map((job) => startJob(job));
      starting.push(...first);
      await Promise.race([Promise.allSettled(first), Bun.sleep(settings.FG_STORE_START_WAIT_MS)]);
      retention.start();
      compaction = setInterval(() => {
        compacting = compactor.compactClosed(Date.now()).catch((err) => logger.error("archive compaction failed", { err }));
      }, settings.FG_STORE_COMPACT_INTERVAL_MS);
      logger.info("store started", { sinks: jobs.map((j) => j.name) });
    },
    async stop() {
      stopped = true;
      stopSignal.resolve();
      clearInterval(compaction);
      await Promise.allSettled(starting);
      await Promise.all(runtimes.map((r) => r.stop()));
      await Promise.all([retention.stop(), compacting]);
      await Promise.allSettled([clickhouse?.close(), postgres?.close(), archive.close()]);
    },
  };
}
