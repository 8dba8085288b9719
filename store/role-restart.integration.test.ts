/**
 * Crash safety: `fluxgate store` as a child process, killed with SIGKILL in the middle of its
 * writes and started again, leaves every event exactly once in every tier (after ClickHouse's
 * merge and the archive's compaction, the same dedup every reader applies) and nothing lost.
 */
import { afterAll, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { busKey } from "../schemas/envelope.ts";
import { createArchiveCompactor } from "./s3/index.ts";
import { sampleEvents } from "../test/support/store/sample-events.ts";
import { exactlyOnce, storeTestEnv, tierReaders } from "./tiers.test-support.ts";

// After a SIGKILL the dead members hold their partitions until Kafka's session timeout (30 s): hence the long waits.
const env = storeTestEnv({ FG_STORE_BATCH_MAX_ROWS: "250" });
const topics = topicNames(env.FG_TOPIC_PREFIX!);
const bus = createKafkaBus({ brokers: env.FG_KAFKA_BROKERS!.split(","), clientId: "store-restart-test", logger: createLogger("error") });
const tiers = tierReaders(env);
const children: ReturnType<typeof Bun.spawn>[] = [];
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await bus.close();
  await tiers.close();
});

function startStore() {
  const child = Bun.spawn(["bun", "infra/app/main.ts", "store"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdout: "ignore",
    // Kept for a failing run: what the store logged, one file per start.
    stderr: Bun.file(`${tmpdir()}/${env.FG_STORE_GROUP_PREFIX}-${children.length}.log`),
  });
  children.push(child);
  return child;
}

test("a store killed with SIGKILL mid-batch and restarted leaves every event exactly once in every tier", async () => {
  await bus.ensureTopics([topics.events, topics.dlq, topics.windows, topics.alerts].map((name) => ({ name, partitions: 4 })));
  const events = sampleEvents(4_000, { app: "crash", stepMs: 997, keys: 40 });
  const publisher = await bus.publisher();
  for (let i = 0; i < events.length; i += 500) {
    await publisher.send(topics.events, events.slice(i, i + 500).map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
  }
  await publisher.close();
  const expected = events.map((e) => e.event_id);

  const first = startStore();
  const seen = await waitFor(() => tiers.postgres(), (l) => l.rows > 0, { what: "the first rows in postgres", timeoutMs: 30_000, intervalMs: 10 });
  first.kill("SIGKILL");
  await first.exited;
  expect(seen.rows).toBeLessThan(expected.length); // killed mid-way, not after the end

  const second = startStore();
  const ledgers = async () => [await tiers.postgres(), await tiers.clickhouse(), await tiers.archive()];
  await waitFor(ledgers, (ls) => ls.every((l) => l.ids.size === expected.length && expected.every((id) => l.ids.has(id))),
    { what: "every event in every tier", timeoutMs: 100_000, intervalMs: 250 });
  second.kill("SIGTERM");
  expect(await second.exited).toBe(0);

  expect(exactlyOnce(await tiers.postgres(), expected)).toBe(true);
  await tiers.ch.command({ query: `OPTIMIZE TABLE ${env.FG_CLICKHOUSE_DATABASE}.events FINAL` });
  expect(exactlyOnce(await tiers.clickhouse(), expected)).toBe(true);
  const compactor = createArchiveCompactor({ ...env, FG_DATA_DIR: "/nonexistent", FG_S3_BUCKET: env.FG_S3_BUCKET!, FG_S3_REGION: "us-east-1" }, createLogger("error"));
  // The events are from 2024, outside a lookback counted from now: compact as of a day after the
  // last one, when every hour of theirs is closed and past the minimum age, inside the lookback.
  await compactor.compactClosed(events.at(-1)!.ts + 24 * 3_600_000);
  expect(exactlyOnce(await tiers.archive(), expected)).toBe(true);
}, 150_000);
