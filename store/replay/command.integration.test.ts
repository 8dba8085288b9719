import { expect, test } from "bun:test";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import { loadConfig } from "../../infra/app/config/load.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { createArchiveSink } from "../s3/index.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { freshBucketName } from "../../test/support/store/test-stores.ts";
import { runReplayCommand } from "./command.ts";
import { systemClock } from "./token-bucket.ts";

test("fluxgate replay puts archived events from MinIO back on a fresh Kafka topic, in order per key", async () => {
  const env = loadConfig({ ...process.env, FG_S3_BUCKET: freshBucketName(), FG_ARCHIVE_SPOOL_MIN_ROWS: "1" });
  const sink = createArchiveSink(env, createLogger("error"));
  await sink.prepare();
  const T0 = Date.UTC(2024, 2, 10, 22, 30);
  const events = sampleEvents(2_000, { start: T0, stepMs: 3_000, keys: 7 }); // 22:30 .. 00:09
  for (let i = 0; i < events.length; i += 300) await sink.write(events.slice(i, i + 400)); // overlapping batches
  await sink.close(); // rolls the spool into events/, where replay reads

  const topic = uniqueName("replay");
  const bus = createKafkaBus({ brokers: requireEnv("FG_KAFKA_BROKERS").split(","), clientId: "fluxgate-test" });
  await bus.ensureTopics([{ name: topic, partitions: 3 }]);
  const lines: string[] = [];
  const since = "2024-03-10T23:00:00Z";
  const until = String(Date.UTC(2024, 2, 11, 0, 5));
  const code = await runReplayCommand(
    ["--from", "s3", "--app", "shop", "--since", since, "--until", until, "--to-topic", topic, "--rate", "2000"],
    env, { stderr: (l) => lines.push(l), clock: systemClock },
  );
  expect(lines.join("\n")).toContain("done");
  expect(code).toBe(0);

  const expected = events.filter((e) => e.ts >= Date.parse(since) && e.ts < Number(until));
  expect(lines.at(-1)).toContain(`replay: ${expected.length} events`);
  const got: IncomingRecord[] = [];
  const sub = await bus.subscribe({ groupId: uniqueName("g"), topics: [topic], fromBeginning: true }, async (b) => void got.push(...b.records));
  await waitFor(() => got.length, (n) => n >= expected.length, { what: `${expected.length} replayed records` });
  await Bun.sleep(500); // anything beyond the expected count would be a duplicate; give it a moment to show
  await sub.stop();
  await bus.close();

  expect(got.length).toBe(expected.length);
  const back = got.map((r) => JSON.parse(r.value.toString()) as Envelope);
  expect(new Set(back.map((e) => e.event_id)).size).toBe(expected.length);
  for (const key of new Set(expected.map((e) => e.key))) {
    expect(back.filter((e) => e.key === key)).toEqual(expected.filter((e) => e.key === key));
  }
});

test("fluxgate replay explains bad usage with exit code 2", async () => {
  const lines: string[] = [];
  const code = await runReplayCommand(["--app", "shop"], loadConfig({}), { stderr: (l) => lines.push(l), clock: systemClock });
  expect(code).toBe(2);
  expect(lines.join("\n")).toContain("--since is required");
});
