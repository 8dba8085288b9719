/**
 * Hot reload end to end, on the real Kafka, Redis and Postgres: two `fluxgate processor` instances
 * (child processes, one consumer group, one rule source) consume a seeded event stream that keeps
 * flowing while an author changes the rules: v2 (a threshold change of hot.views, a new rule
 * hot.buys), then an edit that is not YAML, then hot.views back to v1. Once with the rule store (a
 * push goes to Postgres and then, as one revision, to the compacted rules topic), once with a
 * rules directory both instances watch.
 *
 * Where each partition switched is bracketed in event time, from outside the processor: before a
 * change, a partition's checkpoint offset (Redis) names the last event it had fully processed, so a
 * window that ended before that event closed under the old set; once both instances have announced
 * the new set, every event made afterwards is read in a batch that runs the new set, so a window
 * ending after the newest event made at that moment closes under the new one. Between the two
 * brackets a window may be judged by either version, and must then be judged consistently with the
 * version its alert names. Expected windows and alerts come from the real engine run offline over
 * the same events (processor/testing/replay.ts, what `fluxgate rules test` runs).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import postgres from "postgres";
import { createClient } from "redis";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import type { WindowResult, WindowRetraction } from "../schemas/window-result.ts";
import { requireEnv, uniqueName } from "../test/support/services.ts";
import { waitFor } from "../test/support/wait-for.ts";
import type { Alert } from "../schemas/alert.ts";
import { runRulesCommand } from "../infra/app/rules-command.ts";
import type { RulesEnv } from "./config.ts";
import { readRuleTexts } from "./set/files.ts";
import { contentVersion, toRuleSet, validateRuleTexts, type RuleSet } from "./set/rule-set.ts";
import { spawnProcessor, stopProcessor, type LogLine, type ProcessorChild } from "../test/support/rules/hot-reload-processor.ts";
import { startEventStream, type EventStream } from "../test/support/rules/hot-reload-stream.ts";
import { replay } from "../processor/testing/replay.ts";

const PARTITIONS = 4;
/** hot.views' and hot.buys' tumbling window (hot.activity hops by it): 2 s of wall time, at 20 events of 25 ms per 100 ms tick. */
const WINDOW_MS = 10_000;
const A = "hot.activity";
const B = "hot.views";
const C = "hot.buys";
const FIXTURES = new URL("./testing/fixtures/hot-reload/", import.meta.url).pathname;
/** The first problem of the invalid edit: the line after the unclosed `{` of hot.views' window, or that line. */
const YAML_ERROR = /\/rules\.yaml:1[78]:\d+: not valid YAML\/JSON: /;
const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
const redisUrl = requireEnv("FG_REDIS_URL");
const pgUrl = requireEnv("FG_POSTGRES_URL");

const kafka = new Kafka({ brokers, clientId: "hot-reload-test", logLevel: logLevel.NOTHING });
const redis = createClient({ url: redisUrl });
await redis.connect();
const sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
const children: ProcessorChild[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of children) if (c.process.exitCode === null) c.process.kill("SIGKILL");
  for (const clean of cleanups.reverse()) await clean().catch((e) => console.error("cleanup failed", e));
  await redis.quit();
  await sql.end();
}, 30_000);

/** The rule changes of a run, each a fixture directory (rollback: v2 with hot.views as in v1). */
type Step = "v1" | "v2" | "rollback";

const fixtureSet = (name: Step): RuleSet => {
  const valid = validateRuleTexts(readRuleTexts(`${FIXTURES}${name}`));
  if (!valid.ok) throw new Error(`fixture ${name} is invalid: ${JSON.stringify(valid.problems)}`);
  return toRuleSet(contentVersion(valid.rules.map((r) => r.compiled)), valid.rules);
};

/** How the rules change, per source. */
interface RuleChanges {
  /** The processors' settings that pick the source. */
  processorEnv: Record<string, string | undefined>;
  /** Makes the step's rules current; returns the rule-set version the processors will announce. */
  apply(step: Step): Promise<string>;
  /** Makes the invalid edit; checks it was refused, with file:line:column. */
  refuse(processors: ProcessorChild[]): Promise<void>;
  /** hot.views' rule version under each step, as alerts carry it. */
  viewsVersion: Record<Step, number>;
}

interface Cli {
  code: number;
  out: string[];
  err: string[];
}

async function cli(env: RulesEnv, ...argv: string[]): Promise<Cli> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRulesCommand(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const publishedRevision = (r: Cli): string => {
  const m = /rule set revision (\d+) published/.exec(r.out.join("\n"));
  if (r.code !== 0 || !m) throw new Error(`command failed (${r.code}): ${[...r.out, ...r.err].join("\n")}`);
  return m[1]!;
};

/** The production path: `fluxgate rules push` / `rollback` into a schema of its own, revisions on a topic of its own. */
function storeChanges(run: string, prefix: string): RuleChanges {
  const schema = run.toLowerCase();
  const env: RulesEnv = { FG_TOPIC_PREFIX: prefix, FG_KAFKA_BROKERS: brokers, FG_KAFKA_CLIENT_ID: run, FG_POSTGRES_URL: pgUrl, FG_RULES_SCHEMA: schema };
  cleanups.push(() => sql`drop schema if exists ${sql(schema)} cascade`);
  let viewsV1: string | undefined;
  return {
    processorEnv: { FG_RULES_DIR: undefined },
    async apply(step) {
      if (step === "rollback") {
        const history = await cli(env, "history", B);
        // One line per version, `*` on the current one.
        expect(history.out.filter((l) => /^[* ] v\d+ /.test(l)).map((l) => l.slice(0, 4))).toEqual([`  v${viewsV1}`, "* v2"]);
        return publishedRevision(await cli(env, "rollback", B, viewsV1!, "--author", "ops", "--comment", "too quiet"));
      }
      const pushed = await cli(env, "push", `${FIXTURES}${step}`, "--author", step === "v1" ? "ann" : "bob");
      if (step === "v1") viewsV1 = /hot\.views: now version (\d+)/.exec(pushed.out.join("\n"))?.[1];
      return publishedRevision(pushed);
    },
    async refuse() {
      const invalid = await cli(env, "push", `${FIXTURES}invalid`, "--author", "eve");
      expect(invalid.code).toBe(1);
      expect(invalid.err[0]).toMatch(YAML_ERROR);
      // Named as the author typed the path: relative to the working directory.
      expect(invalid.err[0]).toStartWith(`${relative(process.cwd(), `${FIXTURES}invalid/rules.yaml`)}:`);
      expect(invalid.err.at(-1)).toContain("refused");
      expect(invalid.out.join("\n")).not.toContain("published");
      expect((await cli(env, "list")).out.filter((l) => l.startsWith(B))[0]).toStartWith(`${B}  v2 `);
    },
    viewsVersion: { v1: 1, v2: 2, rollback: 1 },
  };
}

/** A directory both instances watch: each change replaces its rules file in one rename, as an editor or a checkout does. */
function directoryChanges(): RuleChanges {
  const dir = mkdtempSync(join(tmpdir(), "fg-hot-reload-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const write = (fixture: string) => {
    writeFileSync(join(dir, "rules.yaml.part"), readFileSync(`${FIXTURES}${fixture}/rules.yaml`));
    renameSync(join(dir, "rules.yaml.part"), join(dir, "rules.yaml"));
  };
  write("v1");
  return {
    processorEnv: { FG_RULES_DIR: dir },
    async apply(step) {
      if (step !== "v1") write(step);
      return fixtureSet(step).version;
    },
    async refuse(processors) {
      const errorsBefore = processors.map((p) => p.logs.filter((l) => l.fields.level === "error").length);
      write("invalid");
      const refusals = await waitFor(
        () => processors.map((p, i) => p.logs.filter((l) => l.fields.level === "error").slice(errorsBefore[i])[0]),
        (ls) => ls.every((l) => l !== undefined),
        { timeoutMs: 5_000, intervalMs: 10, what: "both instances refusing the invalid edit" },
      );
      for (const r of refusals as LogLine[]) {
        expect(r.msg).toContain("refused");
        expect((r.fields.problems as string[])[0]).toMatch(YAML_ERROR);
        expect((r.fields.problems as string[])[0]).toContain(`${basename(dir)}/rules.yaml:`);
      }
    },
    viewsVersion: { v1: 0, v2: 0, rollback: 0 },
  };
}

/** A rule-set switch as the test saw it, with its event-time bracket per partition (see the header). */
interface Switch {
  version: string;
  /** Per partition: windows ending before this closed under the previous set. */
  before: number[];
  /** Windows ending after this closed under this set (the same for every partition). */
  after: number;
  /** Wall clock (Date.now()) when the change started, and how long the command took. */
  changeStart: number;
  commandMs: number;
  /** Per instance: change start -> the instance's "running rule set" log line (its own clock stamp), and -> the test reading it. */
  latencyMs: Record<string, { logged: number; read: number }>;
}

interface Received {
  alert: Alert;
  at: number;
}

/** Everything a run observed, for the checks. */
interface Observed {
  stream: EventStream;
  received: Received[];
  windows: Map<string, WindowResult>;
  v1: string;
  toV2: Switch;
  rollback: Switch;
  invalidAt: number;
  changes: RuleChanges;
}

async function runScenario(name: string, makeChanges: (run: string, prefix: string) => RuleChanges): Promise<void> {
  const startedAt = performance.now();
  const run = uniqueName(`hotreload_${name}`);
  const prefix = `${run}.`;
  const topics = topicNames(prefix);
  const statePrefix = `fg:test:${run}:`;
  cleanups.push(async () => {
    for await (const keys of redis.scanIterator({ MATCH: `${statePrefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
  });
  const changes = makeChanges(run, prefix);

  const bus = createKafkaBus({ brokers, clientId: run });
  await bus.ensureTopics([topics.events, topics.alerts, topics.windows].map((t) => ({ name: t, partitions: PARTITIONS })));
  await bus.close();

  // Every alert as it arrives, and the newest revision of every window result.
  const received: Received[] = [];
  const windows = new Map<string, WindowResult>();
  const reader = kafka.consumer({ groupId: `${run}-reader` });
  await reader.connect();
  cleanups.push(() => reader.disconnect());
  await reader.subscribe({ topics: [topics.alerts, topics.windows], fromBeginning: true });
  const readOffsets = new Map<string, bigint>();
  await reader.run({
    eachMessage: async ({ topic, partition, message }) => {
      const value = JSON.parse(message.value!.toString()) as unknown;
      if (topic === topics.alerts) received.push({ alert: value as Alert, at: Date.now() });
      else {
        const w = value as WindowResult | WindowRetraction;
        if (w.kind === "result" && (windows.get(w.id)?.revision ?? 0) < w.revision) windows.set(w.id, w);
      }
      readOffsets.set(`${topic}:${partition}`, BigInt(message.offset) + 1n);
    },
  });

  const v1 = await changes.apply("v1");

  const t0 = Date.UTC(2026, 0, 5, 10);
  const stream = await startEventStream(kafka, { topic: topics.events, partitions: PARTITIONS, users: 48, t0, stepMs: WINDOW_MS / 400, eventsPerTick: 20, tickMs: 100, seed: 20261123 });
  cleanups.push(() => stream.stop());

  const processorEnv = {
    FG_TOPIC_PREFIX: prefix,
    FG_PROCESSOR_GROUP: `${run}-processor`,
    FG_PROCESSOR_STATE_PREFIX: statePrefix,
    FG_PROCESSOR_EVENT_PARTITIONS: String(PARTITIONS),
    FG_KAFKA_SESSION_TIMEOUT_MS: "6000",
    ...changes.processorEnv,
  };
  const processors = ["p1", "p2"].map((n) => spawnProcessor(n, processorEnv));
  children.push(...processors);
  const [p1, p2] = processors as [ProcessorChild, ProcessorChild];

  const savedOffsets = async () =>
    (await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => redis.get(`${statePrefix}{${topics.events}:${p}}:offset`)))).map((o) => Number(o ?? 0));
  /** Per partition, the event time of the last event its checkpoint includes. */
  const checkpointed = async () => (await savedOffsets()).map((o, p) => (o > 0 ? stream.byPartition[p]![o - 1]!.ts : t0 - 1));

  // Both instances run v1 and share the partitions, and every partition has made progress.
  await waitFor(() => processors.map((c) => c.ruleSets().map((l) => l.fields.version)), (v) => v.every((x) => x.includes(v1)), { timeoutMs: 30_000, what: "both instances running v1" });
  await waitFor(
    async () => ({ p1: p1.eventPartitions(), p2: p2.eventPartitions(), saved: await savedOffsets() }),
    (s) => s.p1.length > 0 && s.p2.length > 0 && new Set([...s.p1, ...s.p2]).size === PARTITIONS && s.saved.every((o) => o > 0),
    { timeoutMs: 45_000, intervalMs: 100, what: "both instances consuming, every partition checkpointed" },
  );
  const assignment = { p1: p1.eventPartitions(), p2: p2.eventPartitions() };
  const joinedAt = performance.now();
  await Bun.sleep(5_000);

  /** Makes a change and waits until both instances announce the set it makes current. */
  async function switchTo(step: Step): Promise<Switch> {
    // Early in a window, so that the switch (its bracket) falls inside one window of each group,
    // which then holds events from before and after it.
    await waitFor(() => (stream.eventTime() - t0) % WINDOW_MS, (o) => o >= 0.4 * WINDOW_MS && o < 0.5 * WINDOW_MS, { timeoutMs: 10_000, intervalMs: 5, what: "the stream early in a window" });
    const announcedBefore = processors.map((c) => c.ruleSets().length);
    const before = await checkpointed();
    const changeStart = Date.now();
    const version = await changes.apply(step);
    const commandMs = Date.now() - changeStart;
    const announced = await waitFor(
      () => processors.map((c, i) => c.ruleSets().slice(announcedBefore[i]).find((l) => l.fields.version === version)),
      (ls) => ls.every((l) => l !== undefined),
      { timeoutMs: 10_000, intervalMs: 5, what: `both instances announcing ${step} (${version})` },
    );
    const after = stream.eventTime();
    const latencyMs = Object.fromEntries(processors.map((c, i) => [c.name, { logged: announced[i]!.t - changeStart, read: announced[i]!.seenAt - changeStart }]));
    return { version, before, after, changeStart, commandMs, latencyMs };
  }

  const toV2 = await switchTo("v2");
  await Bun.sleep(4_000);

  // An edit that is not YAML: refused as a whole, with file:line:column; v2 keeps running.
  const invalidAt = stream.eventTime();
  await changes.refuse(processors);
  await Bun.sleep(4_000);
  expect(processors.map((c) => c.ruleSets().at(-1)?.fields.version)).toEqual([toV2.version, toV2.version]);

  const rollback = await switchTo("rollback");
  await Bun.sleep(6_000);

  // Stop the stream; wait until every event is checkpointed and every output read.
  await stream.stop();
  const produced = stream.generated();
  await waitFor(savedOffsets, (o) => o.every((n, p) => n === produced[p]), { timeoutMs: 30_000, intervalMs: 100, what: "every event checkpointed" });
  const admin = kafka.admin();
  await admin.connect();
  const ends = (
    await Promise.all([topics.alerts, topics.windows].map(async (t) => (await admin.fetchTopicOffsets(t)).map((e) => ({ key: `${t}:${e.partition}`, high: BigInt(e.high) })))).finally(() =>
      admin.disconnect(),
    )
  ).flat();
  await waitFor(() => ends.every((e) => (readOffsets.get(e.key) ?? 0n) >= e.high), Boolean, { what: "every alert and window result read" });
  const drainedAt = performance.now();
  // A partition moving between instances would replay across a switch: the brackets assume none did.
  expect({ p1: p1.eventPartitions(), p2: p2.eventPartitions() }).toEqual(assignment);
  for (const c of processors) expect(await stopProcessor(c)).toBe(0);
  // Each instance switched exactly on the two good changes.
  for (const c of processors) expect(c.ruleSets().map((l) => l.fields.version)).toEqual([v1, toV2.version, rollback.version]);

  const figures = check({ stream, received, windows, v1, toV2, rollback, invalidAt, changes });
  const firstAlertMs = (sw: Switch) => {
    const first = received.find((r) => r.at >= sw.changeStart && r.alert.rule_set_version === sw.version);
    return first ? first.at - sw.changeStart : null;
  };
  const report = (sw: Switch) => ({ version: sw.version, commandMs: sw.commandMs, latencyMs: sw.latencyMs, firstAlertMs: firstAlertMs(sw), bracketEventMs: sw.after - Math.min(...sw.before) });
  console.log(
    JSON.stringify({
      source: name,
      events: stream.produced.length,
      ...figures,
      switches: { v2: report(toV2), rollback: report(rollback) },
      seconds: { join: Math.round(joinedAt - startedAt) / 1000, drained: Math.round(drainedAt - startedAt) / 1000, total: Math.round(performance.now() - startedAt) / 1000 },
    }),
  );
}

/** The checks on what a run published, against the engine run offline; returns figures for the report. */
function check(o: Observed): Record<string, unknown> {
  const { stream, toV2, rollback, v1 } = o;
  const events = stream.produced;
  // Rules grouped by key: the group key is the user, whose partition the stream chose.
  const partitionOfGroup = (groupKey: string) => stream.partitionOf(groupKey);
  // Windows ending before a partition's last event have closed there; the rest are left out on both sides.
  const cutoff = stream.byPartition.map((es) => es.at(-1)!.ts);
  const closedBy = (groupKey: string, end: number) => end < cutoff[partitionOfGroup(groupKey)]!;
  const [setV1, setV2, setRollback] = [fixtureSet("v1"), fixtureSet("v2"), fixtureSet("rollback")];
  const replays = new Map([setV1, setV2, setRollback].map((s) => [s, replay(s, events)]));

  // Window state: A's and B's windows (B's threshold change keeps its state across the switches)
  // hold exactly what one uninterrupted run counts; C starts afresh at the switch.
  const windowSummary = (w: { rule_id: string; group_key: string; start: number; end: number; count: unknown }) => `${w.rule_id} ${w.group_key} ${w.start}-${w.end} ${w.count}`;
  // fg.windows names the group as JSON text, [app_id, value]; alerts and the replay by its value.
  const published = [...o.windows.values()]
    .map((w) => ({ rule_id: w.rule_id, group_key: String((JSON.parse(w.group_key) as string[]).at(-1)), start: w.window_start, end: w.window_end, count: w.values.events }))
    .filter((w) => closedBy(w.group_key, w.end));
  const offlineWindows = (set: RuleSet, rule: string) => {
    const newest = new Map<string, ReturnType<typeof replay>["windows"][number]>();
    for (const w of replays.get(set)!.windows) if (w.rule_id === rule && closedBy(w.group_key, w.end)) newest.set(`${w.group_key}|${w.start}`, w);
    return [...newest.values()];
  };
  for (const rule of [A, B]) {
    const want = offlineWindows(setV1, rule).map(windowSummary).sort();
    expect(want.length).toBeGreaterThan(50);
    expect(published.filter((w) => w.rule_id === rule).map(windowSummary).sort()).toEqual(want);
  }
  const straddling = (w: { group_key: string; start: number; end: number }, s: Switch) => w.start < s.before[partitionOfGroup(w.group_key)]! && w.end > s.after;
  const bAcross = { v2: published.filter((w) => w.rule_id === B && straddling(w, toV2)).length, rollback: published.filter((w) => w.rule_id === B && straddling(w, rollback)).length };
  expect(bAcross.v2).toBeGreaterThan(10);
  expect(bAcross.rollback).toBeGreaterThan(10);
  const offlineC = new Map(offlineWindows(setV2, C).map((w) => [`${w.group_key}|${w.start}`, w]));
  const publishedC = published.filter((w) => w.rule_id === C);
  for (const w of publishedC) {
    expect({ w: windowSummary(w), afterChange: w.end > toV2.before[partitionOfGroup(w.group_key)]! }).toEqual({ w: windowSummary(w), afterChange: true });
    expect(w.count).toBeLessThanOrEqual(offlineC.get(`${w.group_key}|${w.start}`)?.count as number);
  }
  const cFresh = publishedC.filter((w) => w.start > toV2.after);
  expect(cFresh.map(windowSummary).sort()).toEqual([...offlineC.values()].filter((w) => w.start > toV2.after).map(windowSummary).sort());
  expect(publishedC.filter((w) => straddling(w, toV2)).length).toBeGreaterThan(0);

  // Each alert id once after dedup; copies (if any) are the same alert; one id per (rule, group, window).
  const byId = new Map<string, Alert>();
  let copies = 0;
  for (const { alert } of o.received) {
    const seen = byId.get(alert.id);
    if (seen) {
      copies++;
      expect([alert.rule_id, alert.group_key, alert.window]).toEqual([seen.rule_id, seen.group_key, seen.window]);
    } else byId.set(alert.id, alert);
  }
  const perWindow = new Map<string, Set<string>>();
  for (const a of byId.values()) {
    const k = `${a.rule_id}|${a.group_key}|${a.window?.start}|${a.window?.end}`;
    perWindow.set(k, (perWindow.get(k) ?? new Set()).add(a.id));
  }
  expect([...perWindow].filter(([, ids]) => ids.size > 1)).toEqual([]);
  const alerts = [...byId.values()].filter((a) => closedBy(a.group_key, a.ts));
  const summary = (as: Iterable<Alert>) => [...as].map((a) => `${a.id} ${a.group_key} ${a.window?.start}-${a.window?.end} ${a.window?.value}`).sort();
  const ofRule = (rule: string) => alerts.filter((a) => a.rule_id === rule);
  const offline = (set: RuleSet, rule: string) =>
    new Map(replays.get(set)!.alerts.filter((r) => r.verdict === "send" && r.alert.rule_id === rule && closedBy(r.alert.group_key, r.alert.ts)).map((r) => [r.alert.id, r.alert]));

  // Rule A never changed: exactly the alerts of one run without any switch, whatever set closed its windows.
  const expectedA = offline(setV1, A);
  expect(expectedA.size).toBeGreaterThan(50);
  expect(summary(ofRule(A))).toEqual(summary(expectedA.values()));

  // The version that must have judged a window that ended at `end` on partition `p`, where that is certain.
  const phase = (end: number, p: number): Step | undefined => {
    if (end < toV2.before[p]!) return "v1";
    if (end > toV2.after && end < rollback.before[p]!) return "v2";
    if (end > rollback.after) return "rollback";
    return undefined;
  };
  const phaseOf = (a: Alert) => phase(a.ts, partitionOfGroup(a.group_key));
  const versionOf: Record<Step, string> = { v1, v2: toV2.version, rollback: rollback.version };
  for (const a of alerts) {
    const certain = phaseOf(a);
    const allowed = certain ? [versionOf[certain]] : Object.values(versionOf);
    expect({ id: a.id, rule: a.rule_id, ts: a.ts, set: a.rule_set_version, allowed: allowed.includes(a.rule_set_version) }).toEqual({ id: a.id, rule: a.rule_id, ts: a.ts, set: a.rule_set_version, allowed: true });
  }

  // Rule B: each window judged by one version, the one its alert names; in the certain stretches,
  // exactly the alerts of that version's threshold (v1's again after the rollback).
  const bUnder: Record<Step, Map<string, Alert>> = { v1: offline(setV1, B), v2: offline(setV2, B), rollback: offline(setRollback, B) };
  const stepOf = new Map<string, Step>([[v1, "v1"], [toV2.version, "v2"], [rollback.version, "rollback"]]);
  expect(stepOf.size).toBe(3);
  const observedB = ofRule(B);
  for (const a of observedB) {
    const step = stepOf.get(a.rule_set_version)!;
    const want = bUnder[step].get(a.id);
    expect({ id: a.id, step, value: a.window?.value, inExpected: want !== undefined, ruleVersion: a.rule_version }).toEqual({
      id: a.id,
      step,
      value: want?.window?.value,
      inExpected: true,
      ruleVersion: o.changes.viewsVersion[step],
    });
  }
  const certainB = (step: Step) => {
    const expected = [...bUnder[step].values()].filter((a) => phaseOf(a) === step);
    const observed = observedB.filter((a) => phaseOf(a) === step);
    expect(summary(observed)).toEqual(summary(expected));
    return observed.length;
  };
  const bCounts = { v1: certainB("v1"), v2: certainB("v2"), rollback: certainB("rollback") };
  // The threshold really changed: windows v1 alerts on and v2 does not, in v2's certain stretch.
  expect([...bUnder.v1.values()].filter((a) => phaseOf(a) === "v2" && !bUnder.v2.has(a.id)).length).toBeGreaterThan(5);
  expect(bCounts.rollback).toBeGreaterThan(5);
  // Around the switches, a window that crosses both thresholds is never lost.
  expect([...bUnder.v2.values()].filter((a) => phaseOf(a) === undefined && !byId.has(a.id)).map((a) => a.id)).toEqual([]);

  // Rule C: only after the change that added it, counting from the switch.
  const offlineAlertsC = offline(setV2, C);
  const observedC = ofRule(C);
  for (const a of observedC) {
    const p = partitionOfGroup(a.group_key);
    expect({ id: a.id, afterChange: a.ts > toV2.before[p]!, underV1: a.rule_set_version === v1 }).toEqual({ id: a.id, afterChange: true, underV1: false });
    // A window that began before the switch counts only the events after it: never more than offline.
    expect(a.window!.value).toBeLessThanOrEqual(offlineAlertsC.get(a.id)?.window?.value ?? -1);
  }
  const startedAfter = (a: Alert) => a.window!.start > toV2.after;
  expect(summary(observedC.filter(startedAfter))).toEqual(summary([...offlineAlertsC.values()].filter(startedAfter)));
  expect(observedC.filter(startedAfter).length).toBeGreaterThan(5);

  // The refused edit changed nothing: alerts after it still carry v2's version.
  const afterInvalid = alerts.filter((a) => a.ts > o.invalidAt && phaseOf(a) === "v2");
  expect(afterInvalid.length).toBeGreaterThan(5);

  // Within 1 s of the change, on each instance.
  const latencies = [toV2, rollback].flatMap((s) => Object.values(s.latencyMs).map((l) => l.logged));
  expect(Math.max(...latencies)).toBeLessThan(1_000);

  return {
    windows: { published: published.length, bAcross, c: publishedC.length, cFresh: cFresh.length },
    alerts: { received: o.received.length, distinct: byId.size, copies, A: ofRule(A).length, B: bCounts, C: observedC.length, afterInvalid: afterInvalid.length },
  };
}

test("rule store: pushes, a refused edit and a rollback reach two running processors within 1 s, with no lost or doubled alerts", () => runScenario("store", storeChanges), 120_000);

test("rules directory: edits, a refused edit and going back reach two running processors within 1 s, with no lost or doubled alerts", () => runScenario("dir", () => directoryChanges()), 120_000);
