/**
 * After-match skip strategies, as a table: each says where, after a match, later matches may start
 * (the pruning point) and whether a partial match that started at that point itself survives.
 * Every strategy but noSkip also holds complete matches back until no earlier-starting partial
 * match is pending, because only then is it known which later matches the pruning removes.
 */
import type { SkipSpec } from "../../schemas/spec/pattern.ts";
import type { EventPos } from "./state.ts";

export interface SkipStrategy {
  readonly holdsMatches: boolean;
  /** The match's events in take order, as [step, position]; null = prune nothing. */
  pruningPoint(taken: readonly (readonly [string, EventPos])[]): EventPos | null;
  prunes(start: EventPos, point: EventPos): boolean;
}

export const comparePos = (a: EventPos, b: EventPos): number => a.ts - b.ts || a.seq - b.seq;

const extreme = (ps: readonly EventPos[], sign: 1 | -1): EventPos | null =>
  ps.reduce<EventPos | null>((best, p) => (best === null || sign * comparePos(p, best) < 0 ? p : best), null);

const atOrBefore = (start: EventPos, point: EventPos) => comparePos(start, point) <= 0;
const before = (start: EventPos, point: EventPos) => comparePos(start, point) < 0;

export function skipStrategy(spec: SkipSpec): SkipStrategy {
  switch (spec.strategy) {
    case "noSkip":
      return { holdsMatches: false, pruningPoint: () => null, prunes: () => false };
    case "skipToNext":
      return { holdsMatches: true, pruningPoint: (t) => extreme(t.map(([, p]) => p), 1), prunes: atOrBefore };
    case "skipPastLastEvent":
      return { holdsMatches: true, pruningPoint: (t) => extreme(t.map(([, p]) => p), -1), prunes: atOrBefore };
    case "skipToFirst":
      return { holdsMatches: true, pruningPoint: (t) => t.find(([s]) => s === spec.step)?.[1] ?? null, prunes: before };
    case "skipToLast":
      return {
        holdsMatches: true,
        pruningPoint: (t) => t.findLast(([s]) => s === spec.step)?.[1] ?? null,
        prunes: before,
      };
  }
}
