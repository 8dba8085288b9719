/**
 * Runs one pattern rule on one partition: the rule's filter, one NFA state per group key
 * (processor/cep), and the watermark that makes partial matches time out and absences fire.
 * Only keys with a partial match under `within` have a timer, so a watermark step touches the
 * keys it concerns and no others. A key back at its start state is forgotten (its state would
 * equal a fresh one), which keeps the state as small as the live partial matches. An event behind
 * the watermark is late, for a pattern exactly as for a window: it goes to the late output.
 *
 * A key's state is saved as records (processor/cep/state.ts): its head (`p:<rule>:k:<key>`), one
 * record per buffered event (`p:<rule>:v:<seq>:<key>`, written once when buffered and deleted when
 * no match needs it) and one per start group (`p:<rule>:s:<seq>:<key>`, the partial matches begun
 * by one event, written when they change), so a flush writes what changed, not what the key holds.
 * The processor's bounds (per key, and the state budget shared by the process) are enforced here;
 * each eviction is reported with rule and key in the engine output.
 */
import { matchAlert } from "../../rules/compile/alert.ts";
import type { CompiledRule } from "../../rules/compile/rule.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import {
  advanceTime,
  nfaFor,
  createKeyState,
  processEvent,
  drainChanges,
  drainGroups,
  eventRecord,
  groupRecords,
  nextDeadline,
  restoreHead,
  savedEventSeqs,
  serializeHead,
  shrinkTo,
  stateBytes,
  type KeyState,
  type StepResult,
} from "../cep/index.ts";
import type { Nfa } from "../cep/nfa.ts";
import { beginsMatch, isFresh } from "../cep/successors.ts";
import { identityOf, ruleSelector } from "./group.ts";
import type { EngineOutput } from "./output.ts";
import { patternEventPrefix, patternGroupPrefix, patternKeyPrefix, type RecordDelta, type Records } from "./records.ts";
import type { RuleRunner, RunnerOptions } from "./runner.ts";
import { createTimers } from "../window/timers.ts";

type PatternRule = Extract<CompiledRule, { kind: "pattern" }>;

export function createPatternRunner(initial: PatternRule, options: RunnerOptions, saved: Records | null): RuleRunner {
  let rule = initial;
  // Built once per compiled rule and shared by every partition (rules/compile checked the spec).
  const nfa: Nfa = nfaFor(rule.pattern);
  const takes = ruleSelector(rule);
  const prefix = patternKeyPrefix(rule.id);
  const eventPrefix = patternEventPrefix(rule.id);
  const groupPrefix = patternGroupPrefix(rule.id);
  const eventName = (key: string, seq: number) => `${eventPrefix}${seq}:${key}`;
  const groupName = (key: string, seq: number) => `${groupPrefix}${seq}:${key}`;
  const { limits, budget } = options.cep;
  const account = budget.account();
  const states = new Map<string, KeyState>();
  const dirty = new Set<string>();
  /** Records to delete at the next flush (a write of the same name since takes it back out). */
  const gone = new Set<string>();
  const timers = createTimers();
  /** The app's watermark, as the engine last advanced this rule to it. */
  let watermark: number | null = null;

  const dueOf = (s: KeyState): number | null => nextDeadline(nfa, s);

  if (saved !== null) restore(saved);

  function restore(records: Records) {
    /** Per key, the texts of its records named `<prefix><seq>:<key>`, by seq. */
    const bySeq = (from: string) => {
      const out = new Map<string, Map<number, string>>();
      for (const [name, text] of Object.entries(records)) {
        if (!name.startsWith(from)) continue;
        const rest = name.slice(from.length);
        const colon = rest.indexOf(":");
        const key = rest.slice(colon + 1);
        let texts = out.get(key);
        if (!texts) out.set(key, (texts = new Map()));
        texts.set(Number(rest.slice(0, colon)), text);
      }
      return out;
    };
    const eventTexts = bySeq(eventPrefix);
    const groupTexts = bySeq(groupPrefix);
    const none = new Map<number, string>();
    for (const [name, text] of Object.entries(records)) {
      if (!name.startsWith(prefix)) continue;
      const key = name.slice(prefix.length);
      const texts = eventTexts.get(key) ?? none;
      const groups = groupTexts.get(key) ?? none;
      eventTexts.delete(key);
      groupTexts.delete(key);
      const restored = restoreHead(nfa, text, texts, groups);
      if (!restored.ok) {
        options.onDiscard(rule.id, `key ${key}: ${restored.reason}`);
        forget(key, texts.keys(), groups.keys());
        continue;
      }
      states.set(key, restored.state);
      // Saved events the head no longer needs go with the next flush, and so does a head saved
      // in an older format (its partial matches move to start groups).
      if (restored.state.dropped.length > 0 || restored.rewrite) dirty.add(key);
      account.add(stateBytes(restored.state));
      timers.schedule(key, dueOf(restored.state));
    }
    // Records without a head (a crash between writes cannot cause it: a flush is one atomic save).
    for (const [key, texts] of eventTexts) forget(key, texts.keys(), groupTexts.get(key)?.keys() ?? []);
    for (const [key, groups] of groupTexts) if (!eventTexts.has(key)) forget(key, [], groups.keys());
  }

  function forget(key: string, seqs: Iterable<number>, groups: Iterable<number>) {
    gone.add(prefix + key);
    for (const seq of seqs) gone.add(eventName(key, seq));
    for (const seq of groups) gone.add(groupName(key, seq));
  }

  const apply = (key: string, before: number, step: StepResult, out: EngineOutput) => {
    const s = step.state;
    let evicted = step.evicted;
    let cause = step.cause;
    if (account.add(stateBytes(s) - before)) {
      // Over the processor's budget: the key that grew gives up its oldest partial matches.
      const was = stateBytes(s);
      const room = budget.limitBytes - account.others() - (account.held() - was);
      const n = shrinkTo(s, (st) => stateBytes(st) <= room);
      account.add(stateBytes(s) - was);
      if (n > 0) {
        evicted += n;
        cause = "budget";
      }
    }
    // Back at its start: only the start state's match is left (there is never more than one).
    if (s.held.length === 0 && s.started === 0 && s.unstarted.length <= 1 && s.unstarted.every((pm) => isFresh(nfa, pm))) {
      account.add(-stateBytes(s));
      if (states.delete(key)) {
        dirty.delete(key);
        forget(key, savedEventSeqs(s), s.saved?.keys() ?? []);
      }
      timers.schedule(key, null);
    } else {
      states.set(key, s);
      dirty.add(key);
      timers.schedule(key, dueOf(s));
    }
    if (evicted > 0) {
      out.evicted += evicted;
      out.evictions.push({ rule_id: rule.id, key, count: evicted, cause: cause ?? "partial_matches" });
    }
    if (step.matches.length === 0) return;
    const { appId, groupKey } = identityOf(key);
    const ctx = { rule, ruleSetVersion: options.ruleSetVersion(), appId, groupKey };
    for (const m of step.matches) out.alerts.push({ alert: matchAlert(ctx, m), throttleMs: rule.alert.throttleMs });
  };

  /** The records that bring a key's saved state up to date: its head and the events and start groups changed since. */
  const write = (key: string, s: KeyState, put: Map<string, string>, del: string[]) => {
    put.set(prefix + key, serializeHead(s));
    gone.delete(prefix + key);
    const { added, dropped } = drainChanges(s);
    for (const seq of dropped) del.push(eventName(key, seq));
    for (const seq of added) {
      const name = eventName(key, seq);
      put.set(name, eventRecord(s.events.get(seq)!));
      gone.delete(name);
    }
    const groups = drainGroups(s);
    for (const seq of groups.del) del.push(groupName(key, seq));
    for (const [seq, text] of groups.put) {
      const name = groupName(key, seq);
      put.set(name, text);
      gone.delete(name);
    }
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
      // Behind the watermark (patterns have no allowed lateness): late, as for a window whose
      // lateness ran out. Taken, it could start or cancel a match whose time is already judged.
      if (watermark !== null && e.ts < watermark) {
        out.late.push({ kind: "late", rule_id: rule.id, group_key: key, event: e, watermark, missed: [] });
        return;
      }
      const s = states.get(key);
      // A key without state stays without one unless the event begins a match: most events of a
      // rule's types (the second step's, say) reach keys that have none, and need no state made.
      if (!s && !beginsMatch(nfa, e)) return;
      apply(key, s ? stateBytes(s) : 0, processEvent(nfa, s ?? createKeyState(nfa, key), e, limits), out);
    },
    advance(next: number, out: EngineOutput) {
      if (watermark === null || next > watermark) watermark = next;
      for (const key of timers.due(next)) {
        const s = states.get(key);
        if (s) apply(key, stateBytes(s), advanceTime(nfa, s, next), out);
      }
    },
    flush(into?: RecordDelta): RecordDelta {
      // Written straight into the engine's delta when it offers it (see RuleRunner.flush): the
      // names are this rule's alone, and none is both written and deleted by one flush.
      const delta = into ?? { put: new Map<string, string>(), del: [] };
      for (const key of dirty) write(key, states.get(key) as KeyState, delta.put, delta.del);
      for (const name of gone) delta.del.push(name);
      dirty.clear();
      gone.clear();
      return delta;
    },
    snapshot(): Records {
      const records: Records = {};
      for (const [key, s] of states) {
        records[prefix + key] = serializeHead(s);
        for (const [seq, b] of s.events) records[eventName(key, seq)] = eventRecord(b);
        for (const [seq, text] of groupRecords(s)) records[groupName(key, seq)] = text;
      }
      return records;
    },
    stats: () => ({ keys: states.size }),
  };
}
