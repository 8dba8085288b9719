/**
 * What the engine reports: complete matches and timed-out partial matches, with the events per
 * step resolved from the key's event table. Field names follow the envelope's (snake_case),
 * since these records travel on fg.alerts.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { matchId } from "./match-id.ts";
import { takenOf, type Buffered, type PartialMatch } from "./state.ts";
import { eventAt } from "./successors.ts";

export interface Match {
  /** Deterministic: pattern id, key and the matched event ids (see match-id.ts). */
  match_id: string;
  pattern_id: string;
  key: string;
  /** Events per step name, in the order they were taken. */
  events: Record<string, Envelope[]>;
  start_ts: number;
  /** Last event's ts; for an absence match, the moment the absence became certain (start + within). */
  end_ts: number;
  /**
   * Set when partial matches of this key were evicted by a bound (see KeyState.evictedAt) within
   * `within` before this match ended: other matches may have been missed, or this one would have
   * been suppressed by a skip strategy.
   */
  partial_matches_evicted?: true;
}

export interface TimedOut {
  pattern_id: string;
  key: string;
  events: Record<string, Envelope[]>;
  start_ts: number;
  /** start + within: when the partial match could no longer complete. */
  timeout_ts: number;
}

export function eventsByStep(pm: PartialMatch, events: ReadonlyMap<number, Buffered>): Record<string, Envelope[]> {
  const out: Record<string, Envelope[]> = {};
  for (const [step, seq] of takenOf(pm.last)) (out[step] ??= []).push(eventAt(events, seq));
  return out;
}

export function toMatch(
  patternId: string,
  key: string,
  pm: PartialMatch,
  events: ReadonlyMap<number, Buffered>,
  absenceUntil: number | null,
  evicted: boolean,
): Match {
  const ordered = takenOf(pm.last).map(([step, seq]) => [step, eventAt(events, seq)] as const);
  let start = Infinity;
  let end = -Infinity;
  const byStep: Record<string, Envelope[]> = {};
  for (const [step, e] of ordered) {
    start = Math.min(start, e.ts);
    end = Math.max(end, e.ts);
    (byStep[step] ??= []).push(e);
  }
  return {
    match_id: matchId(patternId, key, ordered.map(([step, e]) => [step, e.event_id] as const)),
    pattern_id: patternId,
    key,
    events: byStep,
    start_ts: start,
    end_ts: absenceUntil ?? end,
    ...(evicted && { partial_matches_evicted: true as const }),
  };
}
