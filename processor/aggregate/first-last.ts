/**
 * first and last: the field's value on the earliest / latest event by event time, ties broken by
 * event_id, so the answer does not depend on arrival order. Events without the field are skipped.
 */
import { z } from "zod";
import type { Aggregator, Json } from "./types.ts";

export interface Chosen {
  ts: number;
  event_id: string;
  value: Json;
}

/** Negative when (ts, id) of `a` comes before that of `b`. */
const order = (a: Pick<Chosen, "ts" | "event_id">, b: Pick<Chosen, "ts" | "event_id">): number => a.ts - b.ts || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);

export function createFirstLast(which: "first" | "last"): Aggregator<Chosen | null> {
  const wins = (candidate: Pick<Chosen, "ts" | "event_id">, held: Chosen) => (which === "first" ? order(candidate, held) < 0 : order(candidate, held) > 0);
  const choose = (a: Chosen | null, b: Chosen | null) => (a === null ? b : b === null ? a : wins(b, a) ? b : a);
  return {
    init: () => null,
    // Event payloads arrive as JSON, so any value read from one is JSON. The observation is the
    // caller's (and reused), so a chosen one is copied, and only when it wins.
    add: (s, obs) => (obs.value === undefined || (s !== null && !wins(obs, s)) ? s : { ts: obs.ts, event_id: obs.event_id, value: obs.value as Json }),
    merge: choose,
    result: (s) => (s === null ? null : s.value),
    stateSchema: z
      .object({ ts: z.number(), event_id: z.string(), value: z.json() })
      .strict()
      .nullable() as z.ZodType<Chosen | null>,
  };
}
