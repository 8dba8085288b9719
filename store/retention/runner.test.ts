import { describe, expect, test } from "bun:test";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { registry } from "../../infra/telemetry/metrics.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { createRetentionRunner } from "./runner.ts";
import type { RetentionTask } from "./task.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const logger: Logger = silent;

describe("retention runner", () => {
  test("runs every task with the clock's time, reports removals, and survives a failing task", async () => {
    const seen: number[] = [];
    const tasks: RetentionTask[] = [
      { tier: "broken", run: async () => { throw new Error("db down"); } },
      { tier: "test-tier", run: async (now) => { seen.push(now); return { removed: ["a", "b"] }; } },
    ];
    const runner = createRetentionRunner({ tasks, intervalMs: 1_000, jitterMs: 0, logger, now: () => 42 });
    expect(await runner.runOnce()).toEqual([
      { tier: "broken", removed: [], error: "db down" },
      { tier: "test-tier", removed: ["a", "b"] },
    ]);
    expect(seen).toEqual([42]);
    const metrics = await registry.getSingleMetricAsString("fluxgate_retention_removed_total");
    expect(metrics).toContain('fluxgate_retention_removed_total{tier="test-tier"} 2');
  });

  test("runs on a schedule of interval plus jitter until stopped", async () => {
    let runs = 0;
    let jitterDraws = 0;
    const runner = createRetentionRunner({
      tasks: [{ tier: "t", run: async () => { runs++; return { removed: [] }; } }],
      intervalMs: 5, jitterMs: 10, logger, random: () => { jitterDraws++; return 0.5; },
    });
    runner.start();
    await waitFor(() => runs, (n) => n >= 3, { what: "three scheduled runs" });
    await runner.stop();
    const after = runs;
    await Bun.sleep(40);
    expect(runs).toBe(after);
    expect(jitterDraws).toBeGreaterThanOrEqual(3); // one jittered delay per scheduled run
  });
});
