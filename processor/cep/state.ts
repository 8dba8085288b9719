/**
 * Per-key NFA state, in the manner of Flink's SharedBuffer: every event is buffered once, and a
 * partial match is a pointer to its last taken event in a tree of immutable `Taken` nodes, so
 * partial matches that branched from one another share their common prefix and taking an event
 * costs one node, whatever the match's length. Events no partial or held match can reach any more
 * are swept from the buffer (`sweep`, amortised, and before every save).
 *
 * Saved as a small JSON head (times, the partial matches and the node tree) plus each buffered
 * event's JSON text, made once when the event is buffered: a caller that stores events apart
 * writes each one once and deletes it when it is swept, so what it writes follows what changed.
 * The state is tied to one compiled pattern by its fingerprint, because it names NFA states by index.
 */
import { z } from "zod";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";
import type { Nfa } from "./nfa.ts";

/** One taken event and the match prefix before it (newest first through `prev`). Shared, never changed. */
export interface Taken {
  readonly step: string;
  readonly seq: number;
  readonly prev: Taken | null;
  /** Sweep mark (see `sweep`); the only mutable field, and not part of the match. */
  mark: number;
}

export interface PartialMatch {
  /** Index into `nfa.states`. */
  readonly state: number;
  /** The first taken event, by which matches are ordered and skip strategies prune; null for the start state. */
  readonly start: EventPos | null;
  /** The last taken event; null before the first take. */
  readonly last: Taken | null;
}

/** Flink's EventId: event time first, arrival order among equal times. */
export interface EventPos {
  readonly ts: number;
  readonly seq: number;
}

export interface Buffered {
  readonly event: Envelope;
  /** The event's JSON text: what is saved, and what the state budget counts. */
  readonly text: string;
}

export interface KeyState {
  readonly fingerprint: string;
  readonly key: string;
  /** Highest time passed to advanceTime (or seen on an event); null before the first. */
  time: number | null;
  nextSeq: number;
  /** Buffered events by seq: every event some partial or held match has taken (and, until a sweep, a few no longer needed). */
  events: Map<number, Buffered>;
  /** Sum of the buffered events' text lengths. */
  eventBytes: number;
  /** Buffer size after the last sweep: the next one comes once it has doubled (amortised O(1) per event). */
  swept: number;
  /** Ordered by `start` (start state last), which is the order skip strategies need. */
  partial: PartialMatch[];
  /** Complete matches held back by a skip strategy until no earlier-starting partial match is left. */
  held: PartialMatch[];
  /** Partial matches dropped by a bound (per key or the processor's budget), since the state was created. */
  evictedTotal: number;
  /** Event time of the latest eviction, or null: matches ending within `within` after it are marked. */
  evictedAt: number | null;
}

export function createKeyState(nfa: Nfa, key: string): KeyState {
  return {
    fingerprint: nfa.fingerprint,
    key,
    time: null,
    nextSeq: 0,
    events: new Map(),
    eventBytes: 0,
    swept: 0,
    partial: [{ state: nfa.start, start: null, last: null }],
    held: [],
    evictedTotal: 0,
    evictedAt: null,
  };
}

/** What a partial match costs beyond its events, for the state budget: its object and about one node. */
export const MATCH_BYTES = 96;

/** The budget's measure of a key's state. */
export const stateBytes = (s: KeyState): number => s.eventBytes + MATCH_BYTES * (s.partial.length + s.held.length);

/** The taken events of a match, oldest first, as [step, seq]. */
export function takenOf(last: Taken | null): [string, number][] {
  const out: [string, number][] = [];
  for (let t = last; t !== null; t = t.prev) out.push([t.step, t.seq]);
  return out.reverse();
}

let epoch = 0;

/** Drops buffered events that no partial or held match reaches; returns the seqs dropped. */
export function sweep(s: KeyState): number[] {
  const mark = ++epoch;
  const live = new Set<number>();
  for (const list of [s.partial, s.held])
    for (const pm of list) for (let t = pm.last; t !== null && t.mark !== mark; t = t.prev) {
      t.mark = mark;
      live.add(t.seq);
    }
  const dropped: number[] = [];
  for (const [seq, b] of s.events) {
    if (live.has(seq)) continue;
    s.events.delete(seq);
    s.eventBytes -= b.text.length;
    dropped.push(seq);
  }
  s.swept = s.events.size;
  return dropped;
}

const eventPosSchema = z.object({ ts: z.number(), seq: z.number().int().nonnegative() }).strict();
/** [state, start, index of the last taken node or -1]. */
const savedMatchSchema = z.tuple([z.number().int().nonnegative(), eventPosSchema.nullable(), z.number().int().min(-1)]);

const headSchema = z
  .object({
    format: z.literal(2),
    fingerprint: z.string(),
    key: z.string(),
    time: z.number().nullable(),
    nextSeq: z.number().int().nonnegative(),
    /** Step names, so nodes name their step by index. */
    steps: z.array(z.string()),
    /** [step index, event seq, index of the previous node or -1]; a node comes after its prev. */
    nodes: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().int().min(-1)])),
    partial: z.array(savedMatchSchema),
    held: z.array(savedMatchSchema),
    evictedTotal: z.number().int().nonnegative(),
    evictedAt: z.number().nullable(),
  })
  .strict();
type Head = z.output<typeof headSchema>;

/**
 * The head of a key's state as JSON: everything but the events' texts (`s.events`), which the
 * caller saves beside it. Sweeps first, so the events left are exactly the ones the head needs.
 */
export function serializeHead(s: KeyState): string {
  sweep(s);
  const steps: string[] = [];
  const stepIds = new Map<string, number>();
  const nodes: Head["nodes"] = [];
  const ids = new Map<Taken, number>();
  const idOf = (t: Taken | null): number => {
    if (t === null) return -1;
    const known = ids.get(t);
    if (known !== undefined) return known;
    // Iterative along the chain: a long loop would overflow a recursive walk.
    const chain: Taken[] = [];
    for (let c: Taken | null = t; c !== null && !ids.has(c); c = c.prev) chain.push(c);
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i] as Taken;
      let step = stepIds.get(c.step);
      if (step === undefined) {
        step = steps.push(c.step) - 1;
        stepIds.set(c.step, step);
      }
      ids.set(c, nodes.push([step, c.seq, c.prev === null ? -1 : (ids.get(c.prev) as number)]) - 1);
    }
    return ids.get(t) as number;
  };
  const save = (pm: PartialMatch): Head["partial"][number] => [pm.state, pm.start, idOf(pm.last)];
  const head: Head = {
    format: 2,
    fingerprint: s.fingerprint,
    key: s.key,
    time: s.time,
    nextSeq: s.nextSeq,
    steps,
    nodes,
    partial: s.partial.map(save),
    held: s.held.map(save),
    evictedTotal: s.evictedTotal,
    evictedAt: s.evictedAt,
  };
  return JSON.stringify(head);
}

/** The whole state as one JSON text (head and events), for callers that keep it in one piece. */
export function serializeState(s: KeyState): string {
  const head = serializeHead(s);
  return `{"head":${head},"events":{${[...s.events].map(([seq, b]) => `"${seq}":${b.text}`).join(",")}}}`;
}

export type RestoreResult = { ok: true; state: KeyState } | { ok: false; reason: string };

/**
 * Rebuilds a key's state from its head and its events' texts (by seq), and checks it belongs to
 * this NFA and is internally consistent. A refusal is a result: the caller decides whether to
 * start the key afresh (e.g. after a rule changed).
 */
export function restoreHead(nfa: Nfa, headText: string, eventText: (seq: number) => string | undefined): RestoreResult {
  const head = parseWith(headSchema, headText, "CEP key state");
  if (!head.ok) return head;
  const h = head.value;
  if (h.fingerprint !== nfa.fingerprint) return { ok: false, reason: `state was saved for another version of pattern ${nfa.patternId}` };
  const nodes: Taken[] = [];
  const events = new Map<number, Buffered>();
  let eventBytes = 0;
  for (const [step, seq, prev] of h.nodes) {
    const name = h.steps[step];
    if (name === undefined || prev >= nodes.length) return { ok: false, reason: "a node refers to an unknown step or a later node" };
    if (!events.has(seq)) {
      const text = eventText(seq);
      if (text === undefined) return { ok: false, reason: `event ${seq} of a partial match is missing` };
      const event = parseWith(envelopeSchema, text, `event ${seq}`);
      if (!event.ok) return event;
      events.set(seq, { event: event.value, text });
      eventBytes += text.length;
    }
    nodes.push({ step: name, seq, prev: prev < 0 ? null : (nodes[prev] as Taken), mark: 0 });
  }
  const load = (saved: Head["partial"]): PartialMatch[] | string => {
    const out: PartialMatch[] = [];
    for (const [state, start, last] of saved) {
      if (state >= nfa.states.length) return `unknown NFA state ${state}`;
      if (last >= nodes.length) return `unknown node ${last}`;
      out.push({ state, start, last: last < 0 ? null : (nodes[last] as Taken) });
    }
    return out;
  };
  const partial = load(h.partial);
  const held = load(h.held);
  if (typeof partial === "string") return { ok: false, reason: partial };
  if (typeof held === "string") return { ok: false, reason: held };
  return {
    ok: true,
    state: {
      fingerprint: h.fingerprint,
      key: h.key,
      time: h.time,
      nextSeq: h.nextSeq,
      events,
      eventBytes,
      swept: events.size,
      partial,
      held,
      evictedTotal: h.evictedTotal,
      evictedAt: h.evictedAt,
    },
  };
}

/** `serializeState`'s inverse. */
export function restoreState(nfa: Nfa, text: string): RestoreResult {
  const whole = parseWith(z.object({ head: z.unknown(), events: z.record(z.string(), z.unknown()) }).strict(), text, "CEP key state");
  if (!whole.ok) return whole;
  const { head, events } = whole.value;
  return restoreHead(nfa, JSON.stringify(head), (seq) => (String(seq) in events ? JSON.stringify(events[String(seq)]) : undefined));
}

function parseWith<T>(schema: z.ZodType<T>, text: string, what: string): { ok: true; value: T } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `${what}: not JSON: ${(e as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `not ${what}: ${parsed.error.issues[0]?.message ?? "invalid"}` };
  return { ok: true, value: parsed.data };
}
