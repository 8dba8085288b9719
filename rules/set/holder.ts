/**
 * Holds the running rule set and swaps it atomically, as Jitsu's rotor does: a candidate set is
 * validated as a whole; if it passes, listeners get it in one call; if not, the running set stays
 * and the status says so: ok (running the newest offered), outdated (the newest was refused, an
 * older one runs), failed (nothing valid has ever been offered).
 */
import { formatProblem, type RuleProblem } from "../language/parse.ts";
import { rulesMetrics } from "../metrics.ts";
import { toRuleSet, validateRuleTexts, type RuleSet, type RuleText } from "./rule-set.ts";

export interface RuleSourceStatus {
  state: "ok" | "outdated" | "failed" | "starting";
  /** Version of the running set. */
  running: string | null;
  /** Version most recently offered (running, or refused). */
  latest: string | null;
  problems: string[];
}

export type RuleSetListener = (ruleSet: RuleSet) => void;

/** What the processor runtime plugs into: `source.onRuleSet((set) => runtime.setRules(set.rules))`. */
export interface RuleSource {
  onRuleSet(listener: RuleSetListener): () => void;
  status(): RuleSourceStatus;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RuleSetHolder {
  offer(version: string, texts: readonly RuleText[]): { ok: true; ruleSet: RuleSet } | { ok: false; problems: RuleProblem[] };
  onRuleSet(listener: RuleSetListener): () => void;
  status(): RuleSourceStatus;
  current(): RuleSet | null;
}

export function createRuleSetHolder(onError: (message: string, problems: string[]) => void = () => {}): RuleSetHolder {
  let current: RuleSet | null = null;
  let status: RuleSourceStatus = { state: "starting", running: null, latest: null, problems: [] };
  const listeners = new Set<RuleSetListener>();
  return {
    offer(version, texts) {
      if (current?.version === version) return { ok: true, ruleSet: current };
      const result = validateRuleTexts(texts);
      if (!result.ok) {
        const problems = result.problems.map(formatProblem);
        rulesMetrics.ruleSets.inc({ result: "refused" });
        status = { state: current ? "outdated" : "failed", running: current?.version ?? null, latest: version, problems };
        onError(`rule set ${version} refused; ${current ? `keeping ${current.version}` : "no rule set running"}`, problems);
        return { ok: false, problems: result.problems };
      }
      const next = toRuleSet(version, result.rules);
      current = next;
      rulesMetrics.ruleSets.inc({ result: "applied" });
      status = { state: "ok", running: version, latest: version, problems: [] };
      for (const l of listeners) l(next);
      return { ok: true, ruleSet: next };
    },
    onRuleSet(listener) {
      listeners.add(listener);
      // A late subscriber starts with the running set, so it never waits for the next change.
      if (current) listener(current);
      return () => listeners.delete(listener);
    },
    status: () => status,
    current: () => current,
  };
}
