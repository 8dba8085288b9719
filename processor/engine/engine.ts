/**
 * The processor's pure core for one Kafka partition: every rule of the running set over the
 * partition's events, in offset order. Synchronous and deterministic: the outputs and the state
 * are functions of the events (and rule set) alone, whatever the batch boundaries, because the
 * watermark moves after every event (the highest event time minus the out-of-orderness bound)
 * before the event itself is processed. Event time is kept per app: an app's rules see its own
 * clock, which other apps' events never move, and a rule scoped to any app ("*") runs once per app.
 *
 * Events of a repartitioned stream (processor/repartition) come with the watermark their source
 * partition had decided for their app and are for one rule each: `processRouted` takes them so,
 * and moves their app's event time to each one's watermark instead of deriving it from event times.
 *
 * State lives in flat records (records.ts) that the runtime persists per batch (`flush`), or all
 * at once (`snapshot`); `createPartitionEngine` resumes from them. Rules whose state fingerprint is
 * unchanged by `setRules` keep their state; a changed window or pattern (or filter, grouping, app)
 * starts afresh and its old records are deleted.
 */
import type { CompiledRule } from "../../rules/compile/rule.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { emptyOutput, type EngineOutput } from "./output.ts";
import { createPatternRunner } from "./pattern-rule.ts";
import { appOf, emptyDelta, ENGINE_META, legacyWindowMetaName, mergeDelta, ruleMetaName, ruleOf, type RecordDelta, type Records, type RuleMeta } from "./records.ts";
import type { CepBounds, RuleRunner, RunnerOptions } from "./runner.ts";
import { CEP_DEFAULTS, defaultBudget } from "../cep/index.ts";
import { createWindowRunner } from "./window-rule.ts";
import { eventTypesOf } from "./group.ts";

export interface EngineOptions {
  ruleSet: RuleSet;
  /** Saved records of this partition (from `flush`/`snapshot`), or none for a fresh start. */
  records?: Records;
  /** How far behind the partition's highest event time an event may arrive and still be on time. Default 0. */
  outOfOrdernessMs?: number;
  /** Saved state that cannot be used (rule changed, unreadable) is dropped and reported here. */
  onDiscard?: (ruleId: string, reason: string) => void;
  /** Bounds on pattern state; default: processor/cep's defaults and the process's default budget. */
  cep?: CepBounds;
}

export interface EngineStats {
  /** Group keys with state, per rule id. */
  keys: Record<string, number>;
  watermark: number | null;
}

/** An event for one rule at a watermark decided upstream (processor/repartition). */
export interface RoutedEvent {
  event: Envelope;
  ruleId: string;
  watermark: number;
}

export interface PartitionEngine {
  /** Runs a batch of the partition's events, in offset order. */
  process(events: readonly Envelope[]): EngineOutput;
  /**
   * Runs routed events in order: its app's event time moves to each one's watermark, then its
   * rule (only) takes it. Event time then moves on to `until`, if given: the caller knows no
   * event before it can come any more (a function: per app, null for no progress; a number: every app).
   */
  processRouted(events: readonly RoutedEvent[], until?: number | ((appId: string) => number | null)): EngineOutput;
  /** Moves event time to `watermark` without an event (e.g. the end of a bounded replay). */
  advanceTo(watermark: number): EngineOutput;
  /** Swaps the rule set; see the module comment for what keeps its state. */
  setRules(ruleSet: RuleSet): void;
  /** Records changed since the last flush (or creation). */
  flush(): RecordDelta;
  snapshot(): Records;
  watermark(): number | null;
  /** Each app's watermark on the partition (null for an app with no event time yet). */
  appWatermarks(): Map<string, number | null>;
  stats(): EngineStats;
}

/**
 * The engine's own record. Event time is kept per app (issue 19 #7): one app's clock (a device
 * with a wrong date) must not make another app's events late. `max_ts` is the partition's
 * highest event time over all apps (its watermark for forwarding and metrics); `floor` is where
 * an app seen for the first time starts: null, except after records of format 1 (one clock for
 * all apps), whose clock every app resumes from, and after a move of every app's clock
 * (`advanceTo`, the end of a bounded replay).
 */
interface EngineMeta {
  format: 2;
  max_ts: number | null;
  apps: Record<string, number>;
  floor: number | null;
}

type SavedMeta = EngineMeta | { format: 1; max_ts: number | null };

/** One app's clock on the partition and the runners of the rules that take its events. */
interface AppClock {
  maxTs: number | null;
  runners: Map<string, RuleRunner>;
  /**
   * Per event type, the runners whose filter can take it (eventTypesOf), in the order of `runners`:
   * an event reaches a few rules, not all. Built on first sight of a type, dropped when the runners change.
   */
  byType: Map<string, RuleRunner[]>;
  /** `runners` as a list, for the watermark step of every event. */
  all: RuleRunner[];
}

/** After the runners of `clock` changed: the lists built from them go. */
function runnersChanged(clock: AppClock): void {
  clock.byType.clear();
  clock.all = [...clock.runners.values()];
}

/** Distinct event types indexed per app before the index starts over (types come from producers). */
const MAX_INDEXED_TYPES = 1_024;

/** The types a rule's filter can take; one analysis per compiled filter. */
const typesOfFilter = new WeakMap<object, ReadonlySet<string> | null>();
function typesOf(rule: CompiledRule): ReadonlySet<string> | null {
  let types = typesOfFilter.get(rule.filter);
  if (types === undefined) typesOfFilter.set(rule.filter, (types = eventTypesOf(rule.filter)));
  return types;
}

const takesApp = (rule: CompiledRule, appId: string): boolean => rule.app === "*" || rule.app === appId;

export function createPartitionEngine(options: EngineOptions): PartitionEngine {
  const outOfOrderness = options.outOfOrdernessMs ?? 0;
  const saved = options.records ?? {};
  let ruleSet = options.ruleSet;
  const savedMeta = saved[ENGINE_META] === undefined ? null : (JSON.parse(saved[ENGINE_META]) as SavedMeta);
  let maxTs = savedMeta?.max_ts ?? null;
  let floor = savedMeta === null ? null : savedMeta.format === 1 ? savedMeta.max_ts : savedMeta.floor;
  let pending = emptyDelta();
  const runnerOptions: RunnerOptions = {
    ruleSetVersion: () => ruleSet.version,
    onDiscard: options.onDiscard ?? (() => {}),
    cep: options.cep ?? {
      limits: { maxPartialMatches: CEP_DEFAULTS.maxPartialMatches, maxEvents: CEP_DEFAULTS.maxEvents },
      budget: defaultBudget(),
    },
  };
  const watermark = (): number | null => (maxTs === null ? null : maxTs - outOfOrderness);
  const clocks = new Map<string, AppClock>();
  const enabled = (set: RuleSet) => set.rules.filter((r) => r.enabled);

  const start = (rule: CompiledRule, records: Records | null, clock: AppClock, appId: string): void => {
    const runner = rule.kind === "window" ? createWindowRunner(rule, runnerOptions, records, appId) : createPatternRunner(rule, runnerOptions, records);
    const meta: RuleMeta = { kind: rule.kind, fingerprint: rule.stateFingerprint };
    pending = mergeDelta(pending, { put: new Map([[ruleMetaName(rule.id), JSON.stringify(meta)]]), del: [] });
    // A rule (or app) added mid-stream starts at the app's watermark: events already late stay late.
    if (clock.maxTs !== null) runner.advance(clock.maxTs - outOfOrderness, emptyOutput());
    clock.runners.set(rule.id, runner);
    runnersChanged(clock);
  };

  /** Deletes every record of a rule whose state is no longer wanted. */
  const forget = (ruleId: string, names: Iterable<string>) => {
    pending = mergeDelta(pending, { put: new Map(), del: [ruleMetaName(ruleId), ...names] });
  };

  // Saved records of the rules that still fit, by app then rule.
  const savedByApp = new Map<string, Map<string, Records>>();
  const legacyMetas: Records = {};
  const savedByRule = Map.groupBy(
    Object.keys(saved).filter((n) => ruleOf(n) !== null),
    (n) => ruleOf(n) as string,
  );
  for (const rule of enabled(ruleSet)) {
    const names = savedByRule.get(rule.id) ?? [];
    savedByRule.delete(rule.id);
    const metaText = saved[ruleMetaName(rule.id)];
    const meta = metaText === undefined ? null : (JSON.parse(metaText) as RuleMeta);
    const fits = meta !== null && meta.kind === rule.kind && meta.fingerprint === rule.stateFingerprint;
    if (meta !== null && !fits) runnerOptions.onDiscard(rule.id, "the rule's window, pattern, filter or grouping changed");
    if (!fits) {
      forget(rule.id, names);
      continue;
    }
    for (const name of names) {
      const appId = appOf(name);
      if (name === legacyWindowMetaName(rule.id)) legacyMetas[name] = saved[name] as string;
      if (appId === null) continue;
      let byRule = savedByApp.get(appId);
      if (!byRule) savedByApp.set(appId, (byRule = new Map()));
      let records = byRule.get(rule.id);
      if (!records) byRule.set(rule.id, (records = {}));
      records[name] = saved[name] as string;
    }
  }
  // Records of rules no longer in the set.
  for (const [ruleId, names] of savedByRule) forget(ruleId, names);

  const clockOf = (appId: string): AppClock => {
    let clock = clocks.get(appId);
    if (clock) return clock;
    const savedClock = savedMeta?.format === 2 ? savedMeta.apps[appId] : undefined;
    clock = { maxTs: savedClock ?? floor, runners: new Map(), byType: new Map(), all: [] };
    clocks.set(appId, clock);
    const records = savedByApp.get(appId);
    savedByApp.delete(appId);
    for (const rule of enabled(ruleSet)) {
      if (!takesApp(rule, appId)) continue;
      const own = records?.get(rule.id);
      const withLegacy = rule.kind === "window" && legacyMetas[legacyWindowMetaName(rule.id)] !== undefined ? { ...own, ...legacyMetas } : own;
      start(rule, withLegacy ?? null, clock, appId);
    }
    return clock;
  };
  // Apps with a saved clock or saved state resume now; others start at their first event.
  for (const appId of new Set([...(savedMeta?.format === 2 ? Object.keys(savedMeta.apps) : []), ...savedByApp.keys()])) clockOf(appId);
  savedByApp.clear();
  // Each app's own operator meta is written at the next flush; the shared one of format 1 goes.
  if (Object.keys(legacyMetas).length) pending = mergeDelta(pending, { put: new Map(), del: Object.keys(legacyMetas) });

  const apply = (r: RuleRunner, e: Envelope, out: EngineOutput) => {
    // Deterministic like everything else here: a replay fails on the same event in the same state.
    try {
      r.process(e, out);
    } catch (err) {
      out.failed.push({ event: e, rule_id: r.rule.id, error: err instanceof Error ? err.message : String(err) });
    }
  };
  /** The runners that may take `e`, in rule order. */
  const runnersFor = (clock: AppClock, e: Envelope): readonly RuleRunner[] => {
    let type: unknown;
    try {
      type = e.type;
    } catch {
      // Every rule then meets the failure itself, and reports it (apply).
      return clock.all;
    }
    if (typeof type !== "string") return clock.all;
    let runners = clock.byType.get(type);
    if (runners === undefined) {
      if (clock.byType.size >= MAX_INDEXED_TYPES) clock.byType.clear();
      runners = [];
      for (const r of clock.all) {
        const types = typesOf(r.rule);
        if (types === null || types.has(type)) runners.push(r);
      }
      clock.byType.set(type, runners);
    }
    return runners;
  };
  /** Moves an app's highest event time to `ts` if that is progress, closing what its new watermark passes. */
  const reach = (clock: AppClock, ts: number, out: EngineOutput) => {
    if (maxTs === null || ts > maxTs) maxTs = ts;
    if (clock.maxTs !== null && ts <= clock.maxTs) return;
    clock.maxTs = ts;
    for (const r of clock.all) r.advance(ts - outOfOrderness, out);
  };
  /** Every app's clock to `ts`, and new apps' start. */
  const reachAll = (ts: number, out: EngineOutput) => {
    if (floor === null || ts > floor) floor = ts;
    if (maxTs === null || ts > maxTs) maxTs = ts;
    for (const clock of clocks.values()) reach(clock, ts, out);
  };
  const meta = (): string => {
    const apps: Record<string, number> = {};
    for (const [appId, clock] of clocks) if (clock.maxTs !== null) apps[appId] = clock.maxTs;
    return JSON.stringify({ format: 2, max_ts: maxTs, apps, floor } satisfies EngineMeta);
  };

  return {
    process(events) {
      const out = emptyOutput();
      for (const e of events) {
        const clock = clockOf(e.app_id);
        reach(clock, e.ts, out);
        for (const r of runnersFor(clock, e)) apply(r, e, out);
      }
      return out;
    },
    processRouted(events, until) {
      const out = emptyOutput();
      for (const { event, ruleId, watermark: w } of events) {
        const clock = clockOf(event.app_id);
        reach(clock, w + outOfOrderness, out);
        const r = clock.runners.get(ruleId);
        if (r) apply(r, event, out);
      }
      if (typeof until === "number") reachAll(until + outOfOrderness, out);
      else if (until)
        for (const [appId, clock] of clocks) {
          const u = until(appId);
          if (u !== null) reach(clock, u + outOfOrderness, out);
        }
      return out;
    },
    advanceTo(w) {
      const out = emptyOutput();
      reachAll(w + outOfOrderness, out);
      return out;
    },
    setRules(next) {
      ruleSet = next;
      const wanted = new Map(enabled(next).map((r) => [r.id, r]));
      for (const [appId, clock] of clocks) {
        for (const [id, runner] of clock.runners) {
          const rule = wanted.get(id);
          if (rule && rule.kind === runner.rule.kind && rule.stateFingerprint === runner.rule.stateFingerprint) {
            runner.update(rule);
            continue;
          }
          // Records it deleted since the last flush must go too, not only the ones it still has.
          pending = mergeDelta(pending, runner.flush());
          forget(id, Object.keys(runner.snapshot()));
          clock.runners.delete(id);
          runnersChanged(clock);
        }
        for (const [id, rule] of wanted) if (!clock.runners.has(id) && takesApp(rule, appId)) start(rule, null, clock, appId);
      }
    },
    flush() {
      const delta = pending;
      pending = emptyDelta();
      // Runners write into the delta, unless it deletes names (the old records of a restarted
      // rule) that a runner's write must take back out: then mergeDelta sorts them out.
      const direct = delta.del.length === 0 ? delta : undefined;
      for (const clock of clocks.values())
        for (const r of clock.runners.values()) {
          const d = r.flush(direct);
          if (d !== delta) mergeDelta(delta, d);
        }
      delta.put.set(ENGINE_META, meta());
      return delta;
    },
    snapshot() {
      const records: Records = { [ENGINE_META]: meta() };
      for (const clock of clocks.values()) {
        for (const [id, r] of clock.runners) {
          records[ruleMetaName(id)] = JSON.stringify({ kind: r.rule.kind, fingerprint: r.rule.stateFingerprint } satisfies RuleMeta);
          Object.assign(records, r.snapshot());
        }
      }
      return records;
    },
    watermark,
    appWatermarks: () => new Map([...clocks].map(([appId, c]) => [appId, c.maxTs === null ? null : c.maxTs - outOfOrderness])),
    stats() {
      const keys: Record<string, number> = Object.fromEntries(enabled(ruleSet).map((r) => [r.id, 0]));
      for (const clock of clocks.values()) for (const [id, r] of clock.runners) keys[id] = (keys[id] ?? 0) + r.stats().keys;
      return { keys, watermark: watermark() };
    },
  };
}
