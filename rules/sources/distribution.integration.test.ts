/**
 * Rule distribution against the real services: pushes go into Postgres, revisions travel on a
 * compacted Kafka topic, and subscribers swap to them. Each test run has its own schema and topic.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { runRulesCommand } from "../../infra/app/rules-command.ts";
import type { RuleSource } from "../set/holder.ts";
import type { RuleSet } from "../set/rule-set.ts";
import { createRuleStore, type ChangeResult } from "./postgres-store.ts";
import { createTopicRuleSource, publishRuleSet } from "./topic.ts";
import { rulesTopic } from "../config.ts";

const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
const pgUrl = requireEnv("FG_POSTGRES_URL");
const sql = postgres(pgUrl, { max: 4, onnotice: () => {} });
const schema = uniqueName("rules").toLowerCase();
const prefix = `${uniqueName("t")}.`;
const topic = rulesTopic(prefix);
const bus = createKafkaBus({ brokers, clientId: "fluxgate-rules-test" });
const store = createRuleStore(sql, schema);
const sources: RuleSource[] = [];
const env = { FG_TOPIC_PREFIX: prefix, FG_KAFKA_BROKERS: brokers, FG_KAFKA_CLIENT_ID: "fluxgate-rules-test", FG_POSTGRES_URL: pgUrl, FG_RULES_SCHEMA: schema };

beforeAll(() => store.init());
afterAll(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  await bus.close();
  await sql`drop schema if exists ${sql(schema)} cascade`;
  await sql.end();
});

const rule = (id: string, threshold: number, extra = "") => ({
  file: `${id}.yaml`,
  text: `id: ${id}\napp: shop\ndescription: ${id}\nseverity: warning\nwindow: { type: tumbling, size: 1m, threshold: { gt: ${threshold} } }\n${extra}`,
});

async function pushed(result: Promise<ChangeResult>) {
  const r = await result;
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  await publishRuleSet(bus, topic, r.ruleSet);
  return { ...r, publishedAt: performance.now() };
}

async function subscriber(): Promise<{ source: RuleSource; sets: (RuleSet & { at: number })[] }> {
  const sets: (RuleSet & { at: number })[] = [];
  const source = createTopicRuleSource({ bus, topic });
  source.onRuleSet((s) => sets.push({ ...s, at: performance.now() }));
  await source.start();
  sources.push(source);
  return { source, sets };
}

async function cleanupPolicy(name: string): Promise<string | undefined> {
  const admin = new Kafka({ clientId: "fluxgate-rules-test", brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ["cleanup.policy"] }] });
    return resources[0]?.configEntries.find((e) => e.configName === "cleanup.policy")?.configValue;
  } finally {
    await admin.disconnect();
  }
}

const threshold = (set: RuleSet | undefined, id: string) => {
  const r = set?.rules.find((x) => x.id === id);
  return r?.kind === "window" ? r.threshold.value : undefined;
};

test("push -> compacted topic -> every subscriber switches within 1 s; invalid pushes are refused whole; rollback", async () => {
  const a = await subscriber();
  const first = await pushed(store.push([rule("a", 1), rule("b", 1)], { author: "ann", comment: "first" }));
  expect(first.changed).toEqual([{ id: "a", version: 1 }, { id: "b", version: 1 }]);
  await waitFor(() => a.sets.length, (n) => n === 1, { what: "the first rule set (consumer group join)" });
  expect(a.sets[0]!.version).toBe(String(first.revision));
  expect(await cleanupPolicy(topic)).toBe("compact");

  // Subscribed and caught up: the next revision must arrive within a second of publishing.
  const second = await pushed(store.push([rule("a", 5)], { author: "bob" }));
  expect(second.changed).toEqual([{ id: "a", version: 2 }]);
  await waitFor(() => a.sets.length, (n) => n === 2, { timeoutMs: 1_000, what: "the second rule set within 1 s" });
  expect(a.sets[1]!.at - second.publishedAt).toBeLessThan(1_000);
  expect(threshold(a.sets[1], "a")).toBe(5);
  expect(a.sets[1]!.rules.map((r) => [r.id, r.version])).toEqual([["a", 2], ["b", 1]]);

  // An unchanged push creates no version and no revision.
  const same = await store.push([rule("a", 5)], { author: "bob" });
  expect(same.ok && [same.changed, same.revision]).toEqual([[], second.revision]);

  // One bad rule refuses the whole push: rule a is not updated either.
  const refused = await store.push([rule("a", 9), { file: "c.yaml", text: "id: c\napp: shop\nseverity: loud\n" }], { author: "eve" });
  expect(refused.ok).toBe(false);
  expect(!refused.ok && refused.problems.map((p) => `${p.file}:${p.line}:${p.column}`)).toContain("c.yaml:1:1");
  expect((await store.list()).map((r) => [r.id, r.version])).toEqual([["a", 2], ["b", 1]]);

  // Rollback in one command, through the CLI as an operator would.
  const out: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
  expect(await runRulesCommand(["rollback", "a", "1", "--author", "ops"], env, io)).toBe(0);
  expect(out.join("\n")).toContain("a: now version 1");
  await waitFor(() => a.sets.length, (n) => n === 3, { timeoutMs: 1_000, what: "the rolled-back set within 1 s" });
  expect(threshold(a.sets[2], "a")).toBe(1);
  const rolled = await store.current();
  expect(rolled?.rules.map((r) => [r.id, r.version])).toEqual([["a", 1], ["b", 1]]);
  expect((await store.history("a")).map((h) => [h.version, h.current, h.author])).toEqual([[1, true, "ann"], [2, false, "bob"]]);

  // An instance that starts now reads the compacted topic from the start and lands on the same version.
  const late = await subscriber();
  await waitFor(() => late.sets.at(-1)?.version, (v) => v === a.sets[2]!.version, { what: "the late subscriber on the same version" });

  out.length = 0;
  expect(await runRulesCommand(["history", "a"], env, io)).toBe(0);
  // Who and when, newest state first: v1 is current again, v2 stays in the history.
  expect(out[0]).toMatch(/^\* v1  \d{4}-\d\d-\d\dT[\d:.]+Z  ann  \S+  first$/);
  expect(out[1]).toMatch(/^  v2  \d{4}-\d\d-\d\dT[\d:.]+Z  bob  /);
  // ... and who made which version current when, the rollback included.
  expect(out.slice(2, 6).map((l) => l.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/, "<time>"))).toEqual([
    "made current:",
    `  revision ${first.revision}  <time>  ann  v1  first`,
    `  revision ${second.revision}  <time>  bob  v1 -> v2  `,
    `  revision ${second.revision + 1}  <time>  ops  v2 -> v1  rollback a to version 1`,
  ]);
  expect(await runRulesCommand(["list"], env, io)).toBe(0);
  expect(out.join("\n")).toContain("a  v1 (latest v2)  ann");
});

test("a subscriber refuses a set it cannot validate, keeps the running one (outdated), and recovers", async () => {
  const own = `${uniqueName("t")}.fg.rules`;
  const source = createTopicRuleSource({ bus, topic: own });
  sources.push(source);
  const sets: RuleSet[] = [];
  source.onRuleSet((s) => sets.push(s));
  await source.start();
  const body = (t: number) => ({ id: "a", app: "shop", description: "d", severity: "info", window: { type: "tumbling", size: "1m", threshold: { gt: t } } });
  await publishRuleSet(bus, own, { revision: 1, created_at: Date.now(), rules: [{ id: "a", version: 1, body: body(1) }] });
  await waitFor(() => sets.length, (n) => n === 1, { what: "revision 1" });
  await publishRuleSet(bus, own, { revision: 2, created_at: Date.now(), rules: [{ id: "a", version: 2, body: { ...body(2), window: { type: "yearly" } } }] });
  await waitFor(() => source.status().state, (s) => s === "outdated", { timeoutMs: 5_000, what: "outdated status" });
  expect(source.status()).toMatchObject({ running: "1", latest: "2" });
  expect(source.status().problems[0]).toContain("store:a@v2:1:");
  await publishRuleSet(bus, own, { revision: 3, created_at: Date.now(), rules: [{ id: "a", version: 3, body: body(3) }] });
  await waitFor(() => sets.length, (n) => n === 2, { what: "revision 3" });
  expect([source.status().state, threshold(sets[1], "a")]).toEqual(["ok", 3]);
});

test("`rules push` reaches two running instances within 1 s, every time (p50/max measured); a bad push changes nothing", async () => {
  const own = `${uniqueName("t")}.`;
  const ownEnv = { ...env, FG_TOPIC_PREFIX: own, FG_RULES_SCHEMA: uniqueName("rules").toLowerCase() };
  const dir = mkdtempSync(join(tmpdir(), "fg-rules-push-"));
  const instances = await Promise.all([0, 1].map(async () => {
    const sets: (RuleSet & { at: number })[] = [];
    const source = createTopicRuleSource({ bus, topic: rulesTopic(own) });
    sources.push(source);
    source.onRuleSet((s) => sets.push({ ...s, at: performance.now() }));
    await source.start();
    return { source, sets };
  }));
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const push = (t: number) => {
    writeFileSync(join(dir, "limits.yaml"), rule("limits", t).text);
    return runRulesCommand(["push", dir, "--author", "ci", "--comment", `threshold ${t}`], ownEnv, io);
  };
  try {
    // The first push also waits for both instances' consumer groups to join: not measured.
    expect(await push(100)).toBe(0);
    await waitFor(() => instances.map((i) => i.sets.length), (n) => n.every((x) => x === 1), { timeoutMs: 15_000, what: "both instances on the first set" });

    const latencies: number[] = [];
    for (let t = 101; t <= 106; t++) {
      const before = instances.map((i) => i.sets.length);
      const started = performance.now();
      expect(await push(t)).toBe(0);
      await waitFor(() => instances.map((i, k) => i.sets.length - before[k]!), (d) => d.every((x) => x === 1), { timeoutMs: 1_000, what: `both instances on threshold ${t} within 1 s` });
      const versions = instances.map((i) => i.sets.at(-1)!.version);
      expect(versions[0]).toBe(versions[1]!);
      expect(instances.map((i) => threshold(i.sets.at(-1), "limits"))).toEqual([t, t]);
      // From the command's start (validate, store, publish) to the slower instance's switch.
      latencies.push(Math.max(...instances.map((i) => i.sets.at(-1)!.at)) - started);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)]!;
    const max = latencies.at(-1)!;
    console.log(`rules push -> 2 instances switched: p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms over ${latencies.length} pushes`);
    expect(max).toBeLessThan(1_000);

    // A push with one invalid file: exit 1, a file:line:column error, nothing stored or published.
    writeFileSync(join(dir, "limits.yaml"), rule("limits", 999).text);
    writeFileSync(join(dir, "broken.yaml"), "id: broken\napp: shop\nseverity: loud\n");
    lines.length = 0;
    expect(await push(999)).toBe(1);
    expect(lines.join("\n")).toMatch(/broken\.yaml:\d+:\d+: /);
    expect(lines.at(-1)).toContain("refused");
    await Bun.sleep(500);
    expect(instances.map((i) => [i.sets.length, threshold(i.sets.at(-1), "limits"), i.source.status().state])).toEqual([[7, 106, "ok"], [7, 106, "ok"]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sql`drop schema if exists ${sql(ownEnv.FG_RULES_SCHEMA)} cascade`;
  }
}, 60_000);
