/**
 * Runs one pattern rule on one partition: the rule's filter, one NFA state per group key
 * (processor/cep), and the watermark that makes partial matches time out and absences fire.
 * Only keys with a partial match under `within` have a timer, so a watermark step touches the
 * keys it concerns and no others. A key back at its start state is forgotten (its state would
 * equal a fresh one), which keeps the state as small as the live partial matches.
 */
import { matchAlert } from "../../rules/alerts/alert.ts";
import type { CompiledRule } from "../../rules/compile/rule.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { advanceTime, compilePattern, createKeyState, processEvent, restoreState, type KeyState, type StepResult } from "../cep/index.ts";
import type { Nfa } from "../cep/nfa.ts";
import { isFresh } from "../cep/successors.ts";
import { identityOf, ruleSelector } from "./group.ts";
import type { EngineOutput } from "./output.ts";
import { patternKeyPrefix, type RecordDelta, type Records } from "./records.ts";
import type { RuleRunner, RunnerOptions } from "./runner.ts";
import { createTimers } from "./timers.ts";

type PatternRule = Extract<CompiledRule, { kind: "pattern" }>;

export function createPatternRunner(initial: PatternRule, options: RunnerOptions, saved: Records | null): RuleRunner {
  let rule = initial;
  const compiled = compilePattern(rule.pattern);
  if (!compiled.ok) throw new Error(`internal: rule ${rule.id} was validated but its pattern does not compile: ${compiled.error}`);
  const nfa: Nfa = compiled.nfa;
  const takes = ruleSelector(rule);
  const prefix = patternKeyPrefix(rule.id);
  const states = new Map<string, KeyState>();
  const dirty = new Set<string>();
  const removed = new Set<string>();
  const timers = createTimers();

  const dueOf = (s: KeyState): number | null => {
    if (nfa.withinMs === null) return null;
    let first: number | null = null;
    for (const pm of s.partial) if (pm.start !== null) first = first === null ? pm.start.ts : Math.min(first, pm.start.ts);
    return first === null ? null : first + nfa.withinMs;
  };

  if (saved !== null) {
    for (const [name, text] of Object.entries(saved)) {
      if (!name.startsWith(prefix)) continue;
      const key = name.slice(prefix.length);
      const restored = restoreState(nfa, text);
      if (!restored.ok) {
        options.onDiscard(rule.id, `key ${key}: ${restored.reason}`);
        removed.add(key);
        continue;
      }
      states.set(key, restored.state);
      timers.schedule(key, dueOf(restored.state));
    }
  }

  const apply = (key: string, step: StepResult, out: EngineOutput) => {
    const s = step.state;
    if (s.held.length === 0 && s.partial.every((pm) => isFresh(nfa, pm))) {
      if (states.delete(key)) {
        dirty.delete(key);
        removed.add(key);
      }
      timers.schedule(key, null);
    } else {
      states.set(key, s);
      dirty.add(key);
      removed.delete(key);
      timers.schedule(key, dueOf(s));
    }
    out.evicted += step.evicted;
    if (step.matches.length === 0) return;
    const { appId, groupKey } = identityOf(key);
    const ctx = { rule, ruleSetVersion: options.ruleSetVersion(), appId, groupKey };
    for (const m of step.matches) out.alerts.push({ alert: matchAlert(ctx, m), throttleMs: rule.alert.throttleMs });
  };

  return {
    get rule() {
      return rule;
    },
    update(next) {
      rule = next as PatternRule;
    },
    process(e: Envelope, out: EngineOutput) {
      const key = takes(e);
      if (key === null) return;
      apply(key, processEvent(nfa, states.get(key) ?? createKeyState(nfa, key), e), out);
    },
    advance(watermark: number, out: EngineOutput) {
      for (const key of timers.due(watermark)) {
        const s = states.get(key);
        if (s) apply(key, advanceTime(nfa, s, watermark), out);
      }
    },
    flush(): RecordDelta {
      const put: Records = {};
      for (const key of dirty) put[prefix + key] = JSON.stringify(states.get(key));
      const del = [...removed].map((key) => prefix + key);
      dirty.clear();
      removed.clear();
      return { put, del };
    },
    snapshot(): Records {
      return Object.fromEntries([...states].map(([key, s]) => [prefix + key, JSON.stringify(s)]));
    },
    stats: () => ({ keys: states.size }),
  };
}
