import { expect, test } from "bun:test";
import { rulesMetrics } from "../metrics.ts";
import { createRuleSetHolder } from "./holder.ts";
import type { RuleSet } from "./rule-set.ts";

const rule = (id: string, threshold = 3) => ({
  file: `${id}.yaml`,
  text: `id: ${id}\napp: shop\ndescription: d\nseverity: info\nwindow: { type: tumbling, size: 1m, threshold: { gt: ${threshold} } }\n`,
});
const broken = { file: "broken.yaml", text: "id: broken\napp: shop\n" };

test("ok -> outdated: a refused set leaves the running one in place, listeners are not called", () => {
  const holder = createRuleSetHolder();
  const seen: RuleSet[] = [];
  holder.onRuleSet((s) => seen.push(s));
  expect(holder.status().state).toBe("starting");
  expect(holder.offer("1", [rule("a"), rule("b")]).ok).toBe(true);
  expect(holder.status()).toEqual({ state: "ok", running: "1", latest: "1", problems: [] });
  const refused = holder.offer("2", [rule("a", 5), broken]);
  expect(refused.ok).toBe(false);
  expect(holder.status()).toMatchObject({ state: "outdated", running: "1", latest: "2" });
  expect(holder.status().problems[0]).toContain("broken.yaml:1:1");
  expect(holder.current()?.rules.map((r) => r.id)).toEqual(["a", "b"]);
  expect(seen.map((s) => s.version)).toEqual(["1"]);
  holder.offer("3", [rule("a", 5)]);
  expect(seen.map((s) => s.version)).toEqual(["1", "3"]);
  expect(holder.status().state).toBe("ok");
});

test("failed when nothing valid was ever offered; late subscribers get the running set at once", () => {
  const holder = createRuleSetHolder();
  holder.offer("1", [broken]);
  expect(holder.status()).toMatchObject({ state: "failed", running: null, latest: "1" });
  holder.offer("2", [rule("a")]);
  const seen: string[] = [];
  holder.onRuleSet((s) => seen.push(s.version));
  expect(seen).toEqual(["2"]);
});

test("duplicate ids across files refuse the set", () => {
  const holder = createRuleSetHolder();
  const result = holder.offer("1", [rule("a"), { ...rule("a"), file: "other.yaml" }]);
  expect(!result.ok && result.problems[0]?.message).toStartWith('duplicate rule id "a" (first defined at a.yaml:1:1)');
});

test("applied and refused sets are counted in the metrics", async () => {
  const count = async (result: string) => (await rulesMetrics.ruleSets.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  const [applied, refused] = [await count("applied"), await count("refused")];
  const holder = createRuleSetHolder();
  holder.offer("1", [rule("a")]);
  holder.offer("2", [broken]);
  holder.offer("2b", [rule("a"), broken]);
  expect([(await count("applied")) - applied, (await count("refused")) - refused]).toEqual([1, 2]);
});
