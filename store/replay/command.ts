/**
 * `fluxgate replay`: puts archived events back on a Kafka topic (docs in args.ts), printing
 * progress to stderr at most once a second. Returns the exit code: 0 done, 2 bad usage,
 * 1 failure (nothing is rolled back: replaying again is safe, as every sink dedupes by event_id).
 */
import { createBus } from "../../infra/bus/index.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import type { StoreEnv } from "../config.ts";
import { createArchiveStore } from "../s3/index.ts";
import { parseReplayArgs, replayUsage } from "./args.ts";
import { rootTraceparent } from "../../infra/telemetry/trace-context.ts";
import { replayArchive, type ReplayProgress } from "./replay.ts";
import { systemClock, type Clock } from "./token-bucket.ts";

export interface ReplayIo {
  stderr: (line: string) => void;
  clock: Clock;
}

const defaultIo: ReplayIo = { stderr: (line) => process.stderr.write(`${line}\n`), clock: systemClock };

const describeProgress = (p: ReplayProgress) =>
  `replay: ${p.events} events, ${p.files}/${p.totalFiles} files, ${Math.round(p.events / Math.max(p.elapsedMs / 1000, 0.001))} events/s`;

export async function runReplayCommand(argv: string[], env: StoreEnv, io: ReplayIo = defaultIo): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    io.stderr(replayUsage);
    return 0;
  }
  const parsed = parseReplayArgs(argv);
  if (!parsed.ok) {
    io.stderr(`fluxgate replay: ${parsed.error}\n${replayUsage}`);
    return 2;
  }
  const { args } = parsed;
  if (!env.FG_KAFKA_BROKERS) {
    io.stderr("fluxgate replay: FG_KAFKA_BROKERS is not set; replay publishes to Kafka, not to an in-process log");
    return 2;
  }
  const topic = args.toTopic ?? topicNames(env.FG_TOPIC_PREFIX).events;
  const bus = createBus(env);
  let lastPrint = -Infinity;
  try {
    const publisher = await bus.publisher();
    // One trace for the run: every replayed record carries it (the archive keeps no event's own).
    const traceparent = rootTraceparent("fluxgate.replay", { "fluxgate.app_id": args.app, "messaging.destination.name": topic });
    io.stderr(`fluxgate replay: records carry traceparent ${traceparent}`);
    const done = await replayArchive({
      traceparent,
      store: createArchiveStore(env), publisher, topic, app: args.app, since: args.since, until: args.until,
      rate: args.rate, clock: io.clock,
      onProgress: (p) => {
        if (p.elapsedMs - lastPrint < 1_000) return;
        lastPrint = p.elapsedMs;
        io.stderr(describeProgress(p));
      },
    });
    io.stderr(`${describeProgress(done)} — done, to ${topic}`);
    return 0;
  } catch (err) {
    io.stderr(`fluxgate replay: failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await bus.close();
  }
}
