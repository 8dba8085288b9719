/** What the engine needs from the runner of one rule, whatever its kind. */
import type { Limits, StateBudget } from "../cep/index.ts";
import type { CompiledRule } from "../../rules/compile/rule.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import type { EngineOutput } from "./output.ts";
import type { RecordDelta, Records } from "./records.ts";

export interface RunnerOptions {
  /** The running rule set's version, for alerts (it may change while state is kept). */
  ruleSetVersion: () => string;
  /** Saved state that does not fit the rule is dropped, and reported here. */
  onDiscard: (ruleId: string, reason: string) => void;
  /** Bounds on pattern state: per key, and the budget the whole process shares. */
  cep: CepBounds;
}

export interface CepBounds {
  limits: Limits;
  budget: StateBudget;
}

export interface RuleRunner {
  readonly rule: CompiledRule;
  /** A new version of the rule with the same state fingerprint (threshold, alert settings). */
  update(rule: CompiledRule): void;
  process(event: Envelope, out: EngineOutput): void;
  /** Event time moved on to `watermark`: close windows, fire absences and timeouts. */
  advance(watermark: number, out: EngineOutput): void;
  /**
   * Records changed since the last flush. A runner may add them to `into` (the engine's delta so
   * far, which then deletes none of the runner's names) and return it, sparing a copy; otherwise
   * the engine merges what it returns.
   */
  flush(into?: RecordDelta): RecordDelta;
  snapshot(): Records;
  stats(): { keys: number };
}
