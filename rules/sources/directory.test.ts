import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RuleSource } from "../set/holder.ts";
import type { RuleSet } from "../set/rule-set.ts";
import { createDirectoryRuleSource } from "./directory.ts";

const rule = (threshold: number) =>
  `id: a\napp: shop\ndescription: d\nseverity: info\nwindow: { type: tumbling, size: 1m, threshold: { gt: ${threshold} } }\n`;

let source: RuleSource | undefined;
afterEach(() => source?.stop());

test("hot reload: an edit swaps the set, a broken edit keeps it (outdated), a fix recovers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-rules-dir-"));
  writeFileSync(join(dir, "a.yaml"), rule(3));
  source = createDirectoryRuleSource({ path: dir, debounceMs: 20 });
  const sets: RuleSet[] = [];
  source.onRuleSet((s) => sets.push(s));
  await source.start();
  expect(sets.length).toBe(1);
  const first = sets[0]!;

  writeFileSync(join(dir, "a.yaml"), rule(7));
  await waitFor(() => sets.length, (n) => n === 2, { what: "the edited set" });
  const second = sets[1]!;
  expect(second.version).not.toBe(first.version);
  const [before, after] = [first.rules[0]!, second.rules[0]!];
  expect(after.kind === "window" && after.threshold.value).toBe(7);
  // Only the threshold changed: the rule keeps its state.
  expect(after.stateFingerprint).toBe(before.stateFingerprint);

  writeFileSync(join(dir, "b.yaml"), "id: b\napp: shop\n");
  await waitFor(() => source!.status().state, (s) => s === "outdated", { what: "outdated status" });
  expect(source.status().running).toBe(second.version);
  expect(source.status().problems[0]).toContain("b.yaml:1:1");
  expect(sets.length).toBe(2);

  writeFileSync(join(dir, "b.yaml"), rule(1).replace("id: a", "id: b"));
  await waitFor(() => sets.length, (n) => n === 3, { what: "the fixed set" });
  expect(sets[2]!.rules.map((r) => r.id)).toEqual(["a", "b"]);
  expect(source.status().state).toBe("ok");
});

test("hot reload latency: with the default debounce every edit reaches the listeners within 1 s", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-rules-dir-"));
  writeFileSync(join(dir, "a.yaml"), rule(1));
  source = createDirectoryRuleSource({ path: dir });
  const arrivals: number[] = [];
  source.onRuleSet(() => arrivals.push(performance.now()));
  await source.start();
  const latencies: number[] = [];
  for (let t = 2; t <= 5; t++) {
    const written = performance.now();
    writeFileSync(join(dir, "a.yaml"), rule(t));
    await waitFor(() => arrivals.length, (n) => n === t, { timeoutMs: 1_000, what: `edit ${t} within 1 s` });
    latencies.push(arrivals.at(-1)! - written);
  }
  console.log(`rules directory edit -> listeners: max ${Math.max(...latencies).toFixed(0)} ms over ${latencies.length} edits (debounce 300 ms)`);
  expect(Math.max(...latencies)).toBeLessThan(1_000);
});
