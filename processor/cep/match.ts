/**
 * What the engine reports: complete matches and timed-out partial matches, with the events per
 * step resolved from the key's event table. Field names follow the envelope's (snake_case),
 * since these records travel on fg.alerts.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { matchId } from "./match-id.ts";
import type { PartialMatch } from "./state.ts";

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
}

export interface TimedOut {
  pattern_id: string;
  key: string;
  events: Record<string, Envelope[]>;
  start_ts: number;
  /** start + within: when the partial match could no longer complete. */
  timeout_ts: number;
}

export type EventLookup = (seq: number) => Envelope;

export function eventsByStep(pm: PartialMatch, eventOf: EventLookup): Record<string, Envelope[]> {
  const events: Record<string, Envelope[]> = {};
  for (const [step, seq] of pm.taken) (events[step] ??= []).push(eventOf(seq));
  return events;
}

export function toMatch(
  patternId: string,
  key: string,
  pm: PartialMatch,
  eventOf: EventLookup,
  absenceUntil: number | null,
): Match {
  const ordered = pm.taken.map(([step, seq]) => [step, eventOf(seq)] as const);
  const tss = ordered.map(([, e]) => e.ts);
  return {
    match_id: matchId(patternId, key, ordered.map(([step, e]) => [step, e.event_id] as const)),
    pattern_id: patternId,
    key,
    events: eventsByStep(pm, eventOf),
    start_ts: Math.min(...tss),
    end_ts: absenceUntil ?? Math.max(...tss),
  };
}
