/**
 * Per-key NFA state, in the manner of Flink's SharedBuffer: every event is buffered once, and a
 * partial match is a pointer to its last taken event in a tree of immutable `Taken` nodes, so
 * partial matches that branched from one another share their common prefix and taking an event
 * costs one node, whatever the match's length. Events no partial or held match can reach any more
 * are swept from the buffer (`sweep`, amortised over the events that grew it).
 *
 * Saved as records that follow what changed: one per buffered event (its JSON text and the nodes
 * that took it, all made while that event was processed, so the record is written once) and a
 * small head (times, and each partial match as its state, start and last node). `drainChanges`
 * says which events were buffered and swept since the last save. The state is tied to one
 * compiled pattern by its fingerprint, because it names NFA states by index.
 */
import { z } from "zod";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";
import type { Nfa } from "./nfa.ts";

/** One taken event and the match prefix before it (newest first through `prev`). Shared, never changed. */
export interface Taken {
  readonly step: string;
  readonly seq: number;
  /** The event's time, for windows measured from the previous event. */
  readonly ts: number;
  /** Its place among the nodes of event `seq`: (seq, idx) names it in saved state. */
  readonly idx: number;
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
  /** The nodes that took it (those still reachable, after a sweep). */
  nodes: Taken[];
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
  /** Seqs buffered and swept since `drainChanges` was last called. */
  added: number[];
  dropped: number[];
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
    added: [],
    dropped: [],
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

/** Drops buffered events (and nodes) that no partial or held match reaches. */
export function sweep(s: KeyState): void {
  const mark = ++epoch;
  for (const list of [s.partial, s.held])
    for (const pm of list) for (let t = pm.last; t !== null && t.mark !== mark; t = t.prev) t.mark = mark;
  for (const [seq, b] of s.events) {
    const live = b.nodes.filter((t) => t.mark === mark);
    if (live.length > 0) {
      b.nodes = live;
      continue;
    }
    s.events.delete(seq);
    s.eventBytes -= b.text.length;
    s.dropped.push(seq);
  }
  s.swept = s.events.size;
}

/** Events buffered and swept since the last call: what a save must write and delete. */
export function drainChanges(s: KeyState): { added: number[]; dropped: number[] } {
  const changes = { added: s.added.filter((seq) => s.events.has(seq)), dropped: s.dropped };
  s.added = [];
  s.dropped = [];
  return changes;
}

/** A buffered event's record: its text and its nodes as [idx, step, prev seq, prev idx] (no prev: [idx, step]). */
export function eventRecord(b: Buffered): string {
  const nodes = b.nodes.map((t) => (t.prev === null ? [t.idx, t.step] : [t.idx, t.step, t.prev.seq, t.prev.idx]));
  return `{"e":${b.text},"n":${JSON.stringify(nodes)}}`;
}

const int = z.number().int();
/**
 * Matches as one flat list of numbers, five per match: state, start ts, start seq, last node's seq,
 * its idx (no start: seq -1; no node yet: -1 -1). Flat because a busy key's head is written with
 * every flush, and a list of numbers is the cheapest JSON to make and to read.
 */
const savedMatchesSchema = z.array(z.number()).refine((a) => a.length % 5 === 0, { message: "matches come in fives" });

const headSchema = z
  .object({
    format: z.literal(3),
    fingerprint: z.string(),
    key: z.string(),
    time: z.number().nullable(),
    nextSeq: int.nonnegative(),
    partial: savedMatchesSchema,
    held: savedMatchesSchema,
    evictedTotal: int.nonnegative(),
    evictedAt: z.number().nullable(),
  })
  .strict();
type Head = z.output<typeof headSchema>;

const eventRecordSchema = z
  .object({
    e: envelopeSchema,
    n: z.array(z.union([z.tuple([int.nonnegative(), z.string()]), z.tuple([int.nonnegative(), z.string(), int.nonnegative(), int.nonnegative()])])),
  })
  .strict();

/** The head of a key's state as JSON: its partial and held matches by their last nodes; the nodes live in the event records. */
export function serializeHead(s: KeyState): string {
  const save = (pms: readonly PartialMatch[]): number[] => {
    const out = new Array<number>(pms.length * 5);
    pms.forEach((pm, i) => {
      out[i * 5] = pm.state;
      out[i * 5 + 1] = pm.start?.ts ?? 0;
      out[i * 5 + 2] = pm.start?.seq ?? -1;
      out[i * 5 + 3] = pm.last?.seq ?? -1;
      out[i * 5 + 4] = pm.last?.idx ?? -1;
    });
    return out;
  };
  const head: Head = {
    format: 3,
    fingerprint: s.fingerprint,
    key: s.key,
    time: s.time,
    nextSeq: s.nextSeq,
    partial: save(s.partial),
    held: save(s.held),
    evictedTotal: s.evictedTotal,
    evictedAt: s.evictedAt,
  };
  return JSON.stringify(head);
}

/** The whole state as one JSON text (head and event records), for callers that keep it in one piece. */
export function serializeState(s: KeyState): string {
  sweep(s);
  return `{"head":${serializeHead(s)},"events":{${[...s.events].map(([seq, b]) => `"${seq}":${eventRecord(b)}`).join(",")}}}`;
}

export type RestoreResult = { ok: true; state: KeyState } | { ok: false; reason: string };

/**
 * Rebuilds a key's state from its head and its event records (by seq), and checks it belongs to
 * this NFA and is internally consistent. Records no match reaches are left out (the state's next
 * `drainChanges` lists them as dropped). A refusal is a result: the caller decides whether to
 * start the key afresh (e.g. after a rule changed).
 */
export function restoreHead(nfa: Nfa, headText: string, records: ReadonlyMap<number, string>): RestoreResult {
  const head = parseWith(headSchema, headText, "CEP key state");
  if (!head.ok) return head;
  const h = head.value;
  if (h.fingerprint !== nfa.fingerprint) return { ok: false, reason: `state was saved for another version of pattern ${nfa.patternId}` };
  const events = new Map<number, Buffered>();
  const nodeAt = (seq: number, idx: number): Taken | undefined => events.get(seq)?.nodes.find((t) => t.idx === idx);
  let eventBytes = 0;
  // A node's prev belongs to an earlier event, so events in seq order find their prevs built.
  for (const seq of [...records.keys()].toSorted((a, b) => a - b)) {
    const parsed = parseWith(eventRecordSchema, records.get(seq) as string, `event record ${seq}`);
    if (!parsed.ok) return parsed;
    const nodes: Taken[] = [];
    for (const [idx, step, prevSeq, prevIdx] of parsed.value.n) {
      const prev = prevSeq === undefined ? null : nodeAt(prevSeq, prevIdx as number);
      // A record is written once, with the nodes of its time; one whose previous event was swept
      // since is dead (nothing reached it), and a match that still named it would be refused below.
      if (prev === undefined) continue;
      nodes.push({ step, seq, ts: parsed.value.e.ts, idx, prev, mark: 0 });
    }
    // The event's text as saved (the record is `{"e":<text>,"n":[...]}`), not as re-serialised after parsing.
    const record = records.get(seq) as string;
    const text = record.slice('{"e":'.length, record.lastIndexOf(',"n":'));
    events.set(seq, { event: parsed.value.e, text, nodes });
    eventBytes += text.length;
  }
  const load = (saved: Head["partial"]): PartialMatch[] | string => {
    const out: PartialMatch[] = [];
    // Starts are shared by the matches that began at one event, as they were when saved.
    const starts = new Map<number, EventPos>();
    for (let i = 0; i < saved.length; i += 5) {
      const [state, ts, startSeq, seq, idx] = saved.slice(i, i + 5) as [number, number, number, number, number];
      if (!Number.isInteger(state) || state < 0 || state >= nfa.states.length) return `unknown NFA state ${state}`;
      const last = seq < 0 ? null : nodeAt(seq, idx);
      if (last === undefined) return `event ${seq} of a partial match is missing`;
      let start: EventPos | null = null;
      if (startSeq >= 0) {
        start = starts.get(startSeq) ?? { ts, seq: startSeq };
        starts.set(startSeq, start);
      }
      out.push({ state, start, last });
    }
    return out;
  };
  const partial = load(h.partial);
  const held = load(h.held);
  if (typeof partial === "string") return { ok: false, reason: partial };
  if (typeof held === "string") return { ok: false, reason: held };
  const state: KeyState = {
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
    added: [],
    dropped: [],
  };
  sweep(state);
  return { ok: true, state };
}

/** `serializeState`'s inverse. */
export function restoreState(nfa: Nfa, text: string): RestoreResult {
  const whole = parseWith(z.object({ head: z.unknown(), events: z.record(z.string(), z.unknown()) }).strict(), text, "CEP key state");
  if (!whole.ok) return whole;
  const { head, events } = whole.value;
  return restoreHead(nfa, JSON.stringify(head), new Map(Object.entries(events).map(([seq, r]) => [Number(seq), JSON.stringify(r)])));
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
