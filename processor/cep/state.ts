/**
 * Per-key NFA state: plain JSON, so the processor can keep it in Redis and resume after a crash.
 * Partial matches name their events by a per-key sequence number; the events themselves are
 * stored once in `events`, and only while some partial or held match still refers to them.
 * The state is tied to one compiled pattern by its fingerprint, because it names NFA states by index.
 */
import { z } from "zod";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";
import type { Nfa } from "./nfa.ts";

export interface PartialMatch {
  /** Index into `nfa.states`. */
  state: number;
  /** The first taken event, by which matches are ordered and skip strategies prune; null for the start state. */
  start: EventPos | null;
  /** Events taken so far, in order: [step name, event seq]. */
  taken: [string, number][];
}

/** Flink's EventId: event time first, arrival order among equal times. */
export interface EventPos {
  ts: number;
  seq: number;
}

export interface KeyState {
  format: 1;
  fingerprint: string;
  key: string;
  /** Highest time passed to advanceTime (or seen on an event); null before the first. */
  time: number | null;
  nextSeq: number;
  events: Record<string, Envelope>;
  /** Ordered by `start` (start state last), which is the order skip strategies need. */
  partial: PartialMatch[];
  /** Complete matches held back by a skip strategy until no earlier-starting partial match is left. */
  held: PartialMatch[];
  /** Partial matches dropped over `maxPartialMatches`, since the state was created. */
  evictedTotal: number;
}

export function createKeyState(nfa: Nfa, key: string): KeyState {
  return {
    format: 1,
    fingerprint: nfa.fingerprint,
    key,
    time: null,
    nextSeq: 0,
    events: {},
    partial: [{ state: nfa.start, start: null, taken: [] }],
    held: [],
    evictedTotal: 0,
  };
}

const eventPosSchema = z.object({ ts: z.number(), seq: z.number().int().nonnegative() }).strict();
const partialMatchSchema = z
  .object({
    state: z.number().int().nonnegative(),
    start: eventPosSchema.nullable(),
    taken: z.array(z.tuple([z.string(), z.number().int().nonnegative()])),
  })
  .strict();

export const keyStateSchema = z
  .object({
    format: z.literal(1),
    fingerprint: z.string(),
    key: z.string(),
    time: z.number().nullable(),
    nextSeq: z.number().int().nonnegative(),
    events: z.record(z.string(), envelopeSchema),
    partial: z.array(partialMatchSchema),
    held: z.array(partialMatchSchema),
    evictedTotal: z.number().int().nonnegative(),
  })
  .strict();

export const serializeState = (state: KeyState): string => JSON.stringify(state);

export type RestoreResult = { ok: true; state: KeyState } | { ok: false; reason: string };

/**
 * Parses saved state and checks it belongs to this NFA and is internally consistent. A refusal is
 * a result: the caller decides whether to start the key afresh (e.g. after a rule changed).
 */
export function restoreState(nfa: Nfa, text: string): RestoreResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  const parsed = keyStateSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `not CEP key state: ${parsed.error.issues[0]?.message ?? "invalid"}` };
  const state = parsed.data;
  if (state.fingerprint !== nfa.fingerprint)
    return { ok: false, reason: `state was saved for another version of pattern ${nfa.patternId}` };
  for (const m of [...state.partial, ...state.held]) {
    if (m.state >= nfa.states.length) return { ok: false, reason: `unknown NFA state ${m.state}` };
    const missing = m.taken.find(([, seq]) => !(String(seq) in state.events));
    if (missing) return { ok: false, reason: `event ${missing[1]} of a partial match is missing` };
  }
  return { ok: true, state };
}
