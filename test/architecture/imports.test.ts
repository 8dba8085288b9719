/**
 * The architecture of docs/design.md, checked against the imports themselves. Each source file
 * belongs to a layer; an import may only point down (schemas <- infra <- rules <- the roles <- the
 * console <- the composition root), never sideways from one role into another, never into a role's
 * internals, and never into test code. Files and layers must not form cycles. The test prints the
 * layer graph, so a newcomer can read the tree's shape from `bun test test/architecture`.
 * There is no allow-list: an import that breaks a rule is fixed, not excused.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { cycles, type ImportEdge, readImportGraph } from "../support/import-graph.ts";

const root = resolve(import.meta.dir, "../..");

/** Lowest first. Roles share a rank: none may import another. */
const layers = [
  { name: "schemas", rank: 0, what: "contracts every role shares: envelope, window results, alerts, status" },
  { name: "infra", rank: 1, what: "shared adapters: bus, telemetry, config types, role port" },
  { name: "rules", rank: 2, what: "the rule language and compiler, rule sets and their sources" },
  { name: "gateway", rank: 3, what: "role" },
  { name: "processor", rank: 3, what: "role" },
  { name: "store", rank: 3, what: "role" },
  { name: "alerts", rank: 3, what: "role: alert delivery and the alert stores (rules/alerts/)" },
  { name: "console", rank: 4, what: "the operators' console, over the roles' front doors" },
  { name: "app", rank: 5, what: "the composition root (infra/app/): wires roles, reads the merged config" },
] as const;
type Layer = (typeof layers)[number]["name"];
const rankOf = new Map<string, number>(layers.map((l) => [l.name, l.rank]));
const roleRank = 3;

/** The layer a file belongs to; undefined for harnesses (test/, bench/), which may import anything. */
export function layerOf(path: string): Layer | undefined {
  if (path.startsWith("infra/app/")) return "app";
  if (path.startsWith("rules/alerts/")) return "alerts";
  const top = path.split("/")[0]!;
  return layers.some((l) => l.name === top) ? (top as Layer) : undefined;
}

/** Test code: tests, test kits (named so), contract suites, and the harness folders. */
export function isTestCode(path: string): boolean {
  return /^(test|bench)\//.test(path) || /(\.test|\.test-kit|(^|\/)test-kit|\.contract|\.test-support)\.ts$/.test(path);
}

/** The folder a layer's files live in. */
function homeOf(layer: Layer): string {
  return layer === "app" ? "infra/app/" : layer === "alerts" ? "rules/alerts/" : `${layer}/`;
}

/**
 * A role's front doors: the files at the top of its folder (role.ts, config.ts, ...), and any
 * folder's index.ts (its API) and cli.ts (an operator's command). Everything else is its
 * internals, which only the role itself imports.
 */
export function isFrontDoor(layer: Layer, path: string): boolean {
  const inside = path.slice(homeOf(layer).length);
  return !inside.includes("/") || /\/(index|cli)\.ts$/.test(inside);
}

export type Violation = "upward" | "role-to-role" | "internals" | "into-tests";

/** What is wrong with one import of a source file, if anything. */
export function violationOf(edge: ImportEdge): Violation | undefined {
  if (isTestCode(edge.from)) return undefined;
  if (isTestCode(edge.to)) return "into-tests";
  const from = layerOf(edge.from);
  const to = layerOf(edge.to);
  if (!from || !to || from === to) return undefined;
  const a = rankOf.get(from)!;
  const b = rankOf.get(to)!;
  if (a === roleRank && b === roleRank) return "role-to-role";
  if (b >= a) return "upward";
  if (b >= roleRank && !isFrontDoor(to, edge.to)) return "internals";
  return undefined;
}

const files = (await Bun.$`git ls-files -- '*.ts'`.cwd(root).quiet().text()).trim().split("\n").filter((f) => !f.startsWith("console/ui/"));
const edges = readImportGraph(root, files);

function adjacency(pairs: Iterable<[string, string]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [a, b] of pairs) (out.get(a) ?? out.set(a, new Set()).get(a)!).add(b);
  return out;
}

test("the layer graph (printed for readers; asserted by the tests below)", () => {
  const counts = new Map<string, number>();
  for (const e of edges) {
    if (isTestCode(e.from)) continue;
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (!a || !b || a === b) continue;
    const key = `${a} -> ${b}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const lines = layers.map((l) => {
    const out = [...counts].filter(([k]) => k.startsWith(`${l.name} -> `)).map(([k, n]) => `${k.split(" -> ")[1]} (${n})`);
    return `  ${l.name.padEnd(9)} -> ${out.length ? out.join(", ") : "nothing"}`;
  });
  console.log(`import graph between layers (source files, imports counted):\n${lines.join("\n")}`);
  expect(counts.size).toBeGreaterThan(0);
});

test("imports point down the layers, not between roles, not into a role's internals, not into test code", () => {
  const found = edges.flatMap((e) => {
    const v = violationOf(e);
    return v ? [`${e.from} -> ${e.to}: ${v}`] : [];
  });
  expect(found).toEqual([]);
});

test("a source file that only test code imports is a test kit, named so or in test/support/", () => {
  const importers = adjacency(edges.map((e) => [e.to, e.from]));
  const found = files.filter((f) => {
    if (isTestCode(f) || !layerOf(f)) return false;
    const by = [...(importers.get(f) ?? [])];
    // Scripts run on their own (`bun rules/schema-export.ts`) are imported by their tests only.
    const script = /\bimport\.meta\.main\b/.test(readFileSync(resolve(root, f), "utf8"));
    return by.length > 0 && by.every(isTestCode) && !script;
  });
  expect(found).toEqual([]);
});

test("no cycle between files or between layers", () => {
  const fileCycles = cycles(adjacency(edges.map((e) => [e.from, e.to]))).map((c) => c.join(" <> "));
  expect(fileCycles).toEqual([]);
  const layerEdges = edges.flatMap((e): [string, string][] => {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    return a && b && a !== b && !isTestCode(e.from) ? [[a, b]] : [];
  });
  expect(cycles(adjacency(layerEdges))).toEqual([]);
});

test("the checks catch what they are for", () => {
  expect(violationOf({ from: "rules/compile/rule.ts", to: "processor/cep/index.ts" })).toBe("upward");
  expect(violationOf({ from: "store/role.ts", to: "gateway/http/events.ts" })).toBe("role-to-role");
  expect(violationOf({ from: "console/auth.ts", to: "gateway/keys/authenticator.ts" })).toBe("internals");
  expect(violationOf({ from: "console/auth.ts", to: "gateway/keys/index.ts" })).toBeUndefined();
  expect(violationOf({ from: "infra/app/main.ts", to: "store/role.ts" })).toBeUndefined();
  expect(violationOf({ from: "gateway/ws/x.ts", to: "test/support/services.ts" })).toBe("into-tests");
  expect(violationOf({ from: "gateway/ws/x.test.ts", to: "store/s3/roll.ts" })).toBeUndefined();
  expect(violationOf({ from: "processor/engine/engine.ts", to: "processor/window/test-kit.ts" })).toBe("into-tests");
  expect(violationOf({ from: "processor/engine/engine.ts", to: "schemas/envelope.ts" })).toBeUndefined();
  expect(cycles(adjacency([["a", "b"], ["b", "c"], ["c", "a"], ["c", "d"]]))).toEqual([["a", "b", "c"]]);
});
