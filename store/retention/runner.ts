/**
 * Runs the retention tasks on a schedule: every interval plus a random jitter (so that many
 * store processes spread their deletes), one task after another, and reports what each removed
 * in a log line and a metric. A failing task is logged and counted; the others still run, and
 * it is tried again next time — retention is idempotent by nature.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { counter } from "../../infra/telemetry/metrics.ts";
import type { RetentionTask } from "./task.ts";

const removedTotal = counter("retention_removed_total", "Items (partitions, objects) removed by retention", ["tier"]);
const runsTotal = counter("retention_runs_total", "Retention task runs by outcome", ["tier", "outcome"]);

export interface RetentionRunnerOptions {
  tasks: readonly RetentionTask[];
  intervalMs: number;
  jitterMs: number;
  logger: Logger;
  /** Injected for tests. */
  now?: () => number;
  random?: () => number;
}

export interface TaskOutcome {
  tier: string;
  removed: string[];
  error?: string;
}

export interface RetentionRunner {
  /** Runs every task once, now. */
  runOnce(): Promise<TaskOutcome[]>;
  /** Schedules runs: the first after one interval (plus jitter), so a restart loop does not hammer the stores. */
  start(): void;
  /** Cancels the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

export function createRetentionRunner(options: RetentionRunnerOptions): RetentionRunner {
  const { tasks, logger } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function runOnce(): Promise<TaskOutcome[]> {
    const outcomes: TaskOutcome[] = [];
    for (const task of tasks) {
      try {
        const { removed } = await task.run(now());
        removedTotal.inc({ tier: task.tier }, removed.length);
        runsTotal.inc({ tier: task.tier, outcome: "ok" });
        if (removed.length) logger.info("retention removed", { tier: task.tier, count: removed.length, removed });
        outcomes.push({ tier: task.tier, removed });
      } catch (err) {
        runsTotal.inc({ tier: task.tier, outcome: "error" });
        logger.error("retention task failed", { tier: task.tier, err });
        outcomes.push({ tier: task.tier, removed: [], error: (err as Error).message });
      }
    }
    return outcomes;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(schedule);
    }, options.intervalMs + Math.floor(random() * options.jitterMs));
  }

  return {
    runOnce,
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
