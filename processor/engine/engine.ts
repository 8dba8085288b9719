/**
 * The processor's pure core for one Kafka partition: every rule of the running set over the
 * partition's events, in offset order. Synchronous and deterministic: the outputs and the state
 * are functions of the events (and rule set) alone, whatever the batch boundaries, because the
 * watermark moves after every event (the partition's highest event time minus the out-of-orderness
 * bound) before the event itself is processed.
 *
 * Events of a repartitioned stream (processor/repartition) come with the watermark their source
 * partition had decided for them and are for one rule each: `processRouted` takes them so, and
 * moves event time to each one's watermark instead of deriving it from event times.
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
import { ENGINE_META, mergeDelta, ruleMetaName, ruleOf, type RecordDelta, type Records, type RuleMeta } from "./records.ts";
import type { CepBounds, RuleRunner, RunnerOptions } from "./runner.ts";
import { CEP_DEFAULTS, defaultBudget } from "../cep/index.ts";
import { createWindowRunner } from "./window-rule.ts";

export interface EngineOptions {
  ruleSet: RuleSet;
  /** Saved records of this partition (from `flush`/`snapshot`), or none for a fresh start. */
  records?: Records;
  /** How far behind the partition's highest event time an event may arrive and still be on time. Default 0. */
  outOfOrdernessMs?: number;
  /** Processing time; default Date.now. */
  clock?: () => number;
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
   * Runs routed events in order: event time moves to each one's watermark, then its rule (only)
   * takes it. Event time then moves on to `until`, if given: the caller knows no event before it
   * can come any more.
   */
  processRouted(events: readonly RoutedEvent[], until?: number): EngineOutput;
  /** Moves event time to `watermark` without an event (e.g. the end of a bounded replay). */
  advanceTo(watermark: number): EngineOutput;
  /** Swaps the rule set; see the module comment for what keeps its state. */
  setRules(ruleSet: RuleSet): void;
  /** Records changed since the last flush (or creation). */
  flush(): RecordDelta;
  snapshot(): Records;
  watermark(): number | null;
  stats(): EngineStats;
}

interface EngineMeta {
  format: 1;
  /** Highest event time of the partition so far. */
  max_ts: number | null;
}

export function createPartitionEngine(options: EngineOptions): PartitionEngine {
  const outOfOrderness = options.outOfOrdernessMs ?? 0;
  const saved = options.records ?? {};
  let ruleSet = options.ruleSet;
  let maxTs = (saved[ENGINE_META] === undefined ? null : (JSON.parse(saved[ENGINE_META]) as EngineMeta).max_ts) ?? null;
  let pending = { put: {}, del: [] } as RecordDelta;
  const runnerOptions: RunnerOptions = {
    clock: options.clock ?? Date.now,
    ruleSetVersion: () => ruleSet.version,
    onDiscard: options.onDiscard ?? (() => {}),
    cep: options.cep ?? {
      limits: { maxPartialMatches: CEP_DEFAULTS.maxPartialMatches, maxEvents: CEP_DEFAULTS.maxEvents },
      budget: defaultBudget(),
    },
  };
  const watermark = (): number | null => (maxTs === null ? null : maxTs - outOfOrderness);

  const start = (rule: CompiledRule, records: Records | null): RuleRunner => {
    const runner = rule.kind === "window" ? createWindowRunner(rule, runnerOptions, records) : createPatternRunner(rule, runnerOptions, records);
    const meta: RuleMeta = { kind: rule.kind, fingerprint: rule.stateFingerprint };
    pending = mergeDelta(pending, { put: { [ruleMetaName(rule.id)]: JSON.stringify(meta) }, del: [] });
    // A rule added mid-stream starts at the partition's watermark: events already late stay late.
    const w = watermark();
    if (w !== null) runner.advance(w, emptyOutput());
    return runner;
  };

  /** Deletes every record of a rule whose state is no longer wanted. */
  const forget = (ruleId: string, names: Iterable<string>) => {
    pending = mergeDelta(pending, { put: {}, del: [ruleMetaName(ruleId), ...names] });
  };

  const runners = new Map<string, RuleRunner>();
  const savedByRule = Map.groupBy(
    Object.keys(saved).filter((n) => ruleOf(n) !== null),
    (n) => ruleOf(n) as string,
  );
  const enabled = (set: RuleSet) => set.rules.filter((r) => r.enabled);
  for (const rule of enabled(ruleSet)) {
    const names = savedByRule.get(rule.id) ?? [];
    savedByRule.delete(rule.id);
    const metaText = saved[ruleMetaName(rule.id)];
    const meta = metaText === undefined ? null : (JSON.parse(metaText) as RuleMeta);
    const fits = meta !== null && meta.kind === rule.kind && meta.fingerprint === rule.stateFingerprint;
    if (meta !== null && !fits) runnerOptions.onDiscard(rule.id, "the rule's window, pattern, filter or grouping changed");
    if (!fits) forget(rule.id, names);
    runners.set(rule.id, start(rule, fits ? Object.fromEntries(names.map((n) => [n, saved[n] as string])) : null));
  }
  // Records of rules no longer in the set.
  for (const [ruleId, names] of savedByRule) forget(ruleId, names);

  const advanceAll = (w: number, out: EngineOutput) => {
    for (const r of runners.values()) r.advance(w, out);
  };
  const apply = (r: RuleRunner, e: Envelope, out: EngineOutput) => {
    // Deterministic like everything else here: a replay fails on the same event in the same state.
    try {
      r.process(e, out);
    } catch (err) {
      out.failed.push({ event: e, rule_id: r.rule.id, error: err instanceof Error ? err.message : String(err) });
    }
  };
  /** Moves the highest event time to `ts` if that is progress, closing what the new watermark passes. */
  const reach = (ts: number, out: EngineOutput) => {
    if (maxTs !== null && ts <= maxTs) return;
    maxTs = ts;
    advanceAll(maxTs - outOfOrderness, out);
  };

  return {
    process(events) {
      const out = emptyOutput();
      for (const e of events) {
        reach(e.ts, out);
        for (const r of runners.values()) apply(r, e, out);
      }
      return out;
    },
    processRouted(events, until) {
      const out = emptyOutput();
      for (const { event, ruleId, watermark: w } of events) {
        reach(w + outOfOrderness, out);
        const r = runners.get(ruleId);
        if (r) apply(r, event, out);
      }
      if (until !== undefined) reach(until + outOfOrderness, out);
      return out;
    },
    advanceTo(w) {
      const out = emptyOutput();
      const target = w + outOfOrderness;
      if (maxTs === null || target > maxTs) maxTs = target;
      advanceAll(w, out);
      return out;
    },
    setRules(next) {
      ruleSet = next;
      const wanted = new Map(enabled(next).map((r) => [r.id, r]));
      for (const [id, runner] of runners) {
        const rule = wanted.get(id);
        if (rule && rule.kind === runner.rule.kind && rule.stateFingerprint === runner.rule.stateFingerprint) {
          runner.update(rule);
          continue;
        }
        // Records it deleted since the last flush must go too, not only the ones it still has.
        pending = mergeDelta(pending, runner.flush());
        forget(id, Object.keys(runner.snapshot()));
        runners.delete(id);
      }
      for (const [id, rule] of wanted) if (!runners.has(id)) runners.set(id, start(rule, null));
    },
    flush() {
      let delta = pending;
      pending = { put: {}, del: [] };
      for (const r of runners.values()) delta = mergeDelta(delta, r.flush());
      delta.put[ENGINE_META] = JSON.stringify({ format: 1, max_ts: maxTs } satisfies EngineMeta);
      return delta;
    },
    snapshot() {
      const records: Records = { [ENGINE_META]: JSON.stringify({ format: 1, max_ts: maxTs } satisfies EngineMeta) };
      for (const [id, r] of runners) {
        records[ruleMetaName(id)] = JSON.stringify({ kind: r.rule.kind, fingerprint: r.rule.stateFingerprint } satisfies RuleMeta);
        Object.assign(records, r.snapshot());
      }
      return records;
    },
    watermark,
    stats: () => ({ keys: Object.fromEntries([...runners].map(([id, r]) => [id, r.stats().keys])), watermark: watermark() }),
  };
}
