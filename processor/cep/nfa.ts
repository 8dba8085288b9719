/**
 * The compiled automaton: immutable, shared by every key of a pattern. Per-key progress lives
 * apart from it (state.ts), as in Flink, so one compiled pattern serves any number of keys and
 * the state alone is what gets persisted.
 *
 * Edges are Flink's three actions: take (consume the event into the match and move), ignore
 * (consume the event without keeping it) and proceed (an epsilon move, tried on the same event).
 */
import type { Predicate } from "../../schemas/condition/predicate.ts";
import type { SkipSpec } from "../../schemas/spec/pattern.ts";

export type Action = "take" | "ignore" | "proceed";

/**
 * start: where every match begins; final: a complete match; stop: a negation fired, the branch dies;
 * pending: a complete match that waits for its window to close without the forbidden event.
 */
export type StateKind = "start" | "normal" | "final" | "stop" | "pending";

export interface Edge {
  readonly action: Action;
  readonly target: number;
  readonly when: Predicate;
}

export interface NfaState {
  readonly id: number;
  /** The step that owns this state: a taken event is reported under this name. */
  readonly step: string;
  readonly kind: StateKind;
  readonly edges: readonly Edge[];
  /** The owning step's within_ms (Flink's PREVIOUS_AND_CURRENT): a partial match here dies that long after its last event. */
  readonly withinMs: number | null;
  /** Some condition reachable from here by proceed edges reads the partial match: no per-event memo. */
  readonly iterative: boolean;
}

export interface Nfa {
  readonly patternId: string;
  readonly states: readonly NfaState[];
  readonly start: number;
  readonly withinMs: number | null;
  /** Some state has a window of its own (withinMs), so deadlines are not simply ordered by start. */
  readonly stepWindows: boolean;
  readonly skip: SkipSpec;
  /** The spec's own bound on partial matches per key, if it sets one (the processor's limit applies too). */
  readonly maxPartialMatches: number | null;
  /** Changes whenever the spec (or the compiler) changes, so state saved for another NFA is refused. */
  readonly fingerprint: string;
}
