/**
 * Per-key NFA state, in the manner of Flink's SharedBuffer: every event is buffered once, and a
 * partial match is a pointer to its last taken event in a tree of immutable `Taken` nodes, so
 * partial matches that branched from one another share their common prefix and taking an event
 * costs one node, whatever the match's length. Events no partial or held match can reach any more
 * are swept from the buffer (`sweep`, amortised over the events that grew it).
 *
 * Saved as records that follow what changed, so that a save costs what changed and not what the
 * key holds (a hot key holds a thousand partial matches, and most of them only wait):
 *   - one record per buffered event: its JSON text and the nodes that took it, all made while that
 *     event was processed, so the record is written once (`drainChanges` says which events were
 *     buffered and swept since the last save);
 *   - one record per start group: the partial matches that began at one event, as state and last
 *     node. They are held together in memory too (`StartGroup`) and change together, while a
 *     waiting match leaves its group as it was (each group carries a version, and `drainGroups`
 *     returns those whose version is not the one last saved);
 *   - a small head: times, bounds, held matches and the start state's match. A key with few
 *     partial matches (most keys) keeps them all in the head instead (`INLINE_MATCHES`): its head
 *     is written anyway, and a record per group would cost more than it saves.
 * In memory a start group keeps its members by NFA state, and the key counts its members per state:
 * an event that passes every match in a state by (a followedBy waiting for its next step, say) is
 * decided once for that state and touches none of them, so an event's cost follows the NFA states
 * that are live and the matches it moves, not the number of matches that wait.
 * The state is tied to one compiled pattern by its fingerprint, because it names NFA states by index.
 */
import { z } from "zod";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";
import type { Nfa } from "./nfa.ts";
import { nullableText, numberText } from "./text.ts";

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
  /** Its record has been handed to a save (`drainChanges`): sweeping it must delete that record. */
  saved: boolean;
}

/**
 * The partial matches that began at one event. Within a group they are ordered by NFA state, and
 * within a state in the order they came: that is their order everywhere (`partialMatches`, saved
 * records, eviction), so a restored state steps exactly as the one that was saved.
 */
export interface StartGroup {
  readonly start: EventPos;
  /** Members by NFA state index; undefined (or empty) for states no member is in. */
  readonly byState: (PartialMatch[] | undefined)[];
  size: number;
  /** Changed (from one counter for all groups, so never reused) whenever a member changes. */
  version: number;
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
  /** The started partial matches, by start event (the order skip strategies and eviction need). */
  groups: StartGroup[];
  /** Partial matches without a start: the start state's, before any take (one; last in `partialMatches`). */
  unstarted: PartialMatch[];
  /** Members of `groups` per NFA state: a state with none costs an event nothing. */
  counts: number[];
  /** Members of `groups` in all. */
  started: number;
  /** Complete matches held back by a skip strategy until no earlier-starting partial match is left. */
  held: PartialMatch[];
  /** Partial matches dropped by a bound (per key or the processor's budget), since the state was created. */
  evictedTotal: number;
  /** Event time of the latest eviction, or null: matches ending within `within` after it are marked. */
  evictedAt: number | null;
  /** Seqs buffered since `drainChanges` was last called, and seqs of saved records swept since. */
  added: number[];
  dropped: number[];
  /** The start groups as last saved (`drainGroups`), by the seq of their start event; null until a save has any. */
  saved: Map<number, SavedGroup> | null;
  /** The head's constant part, made at its first save: the key is the one string in it that needs escaping. */
  headPrefix: string | null;
}

/** A start group as saved: the version it had then. */
export interface SavedGroup {
  version: number;
  /** Which `drainGroups` call saw it last (groups it did not see are gone). */
  seen: number;
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
    groups: [],
    unstarted: [{ state: nfa.start, start: null, last: null }],
    counts: new Array<number>(nfa.states.length).fill(0),
    started: 0,
    held: [],
    evictedTotal: 0,
    evictedAt: null,
    added: [],
    dropped: [],
    saved: null,
    headPrefix: null,
  };
}

/** What a partial match costs beyond its events, for the state budget: its object and about one node. */
export const MATCH_BYTES = 96;

/** The budget's measure of a key's state. */
export const stateBytes = (s: KeyState): number => s.eventBytes + MATCH_BYTES * (partialCount(s) + s.held.length);

/** How many partial matches the key has, the start state's included. */
export const partialCount = (s: KeyState): number => s.started + s.unstarted.length;

let versions = 0;
/** Marks a group changed: its record must be written again. */
export const touch = (g: StartGroup): void => {
  g.version = ++versions;
};

export const createGroup = (start: EventPos): StartGroup => ({ start, byState: [], size: 0, version: ++versions });

/** Adds a member to a group of the key (after those in its state), keeping the counts. The caller touches the group. */
export function addMember(s: KeyState, g: StartGroup, pm: PartialMatch): void {
  const by = g.byState;
  // Grown by push, never written past its end: an array with holes is a slower kind in JSC.
  while (by.length <= pm.state) by.push(undefined);
  const list = by[pm.state];
  if (list === undefined) by[pm.state] = [pm];
  else list.push(pm);
  g.size++;
  s.counts[pm.state] = (s.counts[pm.state] as number) + 1;
  s.started++;
}

/** Takes a group's members in one state out of it (and out of the counts), returning them; the caller touches the group. */
export function detachState(s: KeyState, g: StartGroup, state: number): PartialMatch[] | undefined {
  const list = g.byState[state];
  if (list === undefined || list.length === 0) return undefined;
  g.byState[state] = undefined;
  g.size -= list.length;
  s.counts[state] = (s.counts[state] as number) - list.length;
  s.started -= list.length;
  return list;
}

/** Calls `each` for every partial match, in order: by start, within a start by state, then those without a start. */
export function forEachPartial(s: KeyState, each: (pm: PartialMatch) => void): void {
  for (const g of s.groups) for (const list of g.byState) if (list !== undefined) for (const pm of list) each(pm);
  for (const pm of s.unstarted) each(pm);
}

/** Every partial match as one list, in order (see forEachPartial). */
export function partialMatches(s: KeyState): PartialMatch[] {
  const out: PartialMatch[] = [];
  forEachPartial(s, (pm) => out.push(pm));
  return out;
}

/** The first partial match in order (the earliest start), or null. */
export function firstPartial(s: KeyState): PartialMatch | null {
  const g = s.groups[0];
  return g === undefined ? (s.unstarted[0] ?? null) : firstOfGroup(g);
}

/** A start group's first member. */
export function firstOfGroup(g: StartGroup): PartialMatch {
  for (const list of g.byState) if (list !== undefined && list.length > 0) return list[0] as PartialMatch;
  throw new Error("internal: an empty start group");
}

/**
 * Replaces the key's partial matches by `list`, ordered by start (as `partialMatches` returns
 * them, or as saved), with those without a start last. A group whose members are the ones it had,
 * in the same order, keeps its version: it need not be written again.
 */
export function setPartialMatches(s: KeyState, list: readonly PartialMatch[]): void {
  const before = new Map<number, StartGroup>();
  for (const g of s.groups) before.set(g.start.seq, g);
  s.groups = [];
  s.unstarted = [];
  s.counts.fill(0);
  s.started = 0;
  const bySeq = new Map<number, StartGroup>();
  for (const pm of list) {
    if (pm.start === null) {
      s.unstarted.push(pm);
      continue;
    }
    let g = bySeq.get(pm.start.seq);
    if (g === undefined) {
      g = { start: pm.start, byState: [], size: 0, version: 0 };
      bySeq.set(pm.start.seq, g);
      s.groups.push(g);
    }
    addMember(s, g, pm);
  }
  for (const g of s.groups) {
    const old = before.get(g.start.seq);
    if (old !== undefined && sameMembers(old, g)) g.version = old.version;
    else touch(g);
  }
}

function sameMembers(a: StartGroup, b: StartGroup): boolean {
  if (a.size !== b.size) return false;
  const n = Math.max(a.byState.length, b.byState.length);
  for (let i = 0; i < n; i++) {
    const x = a.byState[i] ?? [];
    const y = b.byState[i] ?? [];
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

/**
 * Evicts the `n` first partial matches in order (the oldest starts; the start state's are never
 * among them: the caller passes at most `started`).
 */
export function evictOldest(s: KeyState, n: number): void {
  let whole = 0;
  for (const g of s.groups) {
    if (n === 0) break;
    if (g.size <= n) {
      n -= g.size;
      for (let st = 0; st < g.byState.length; st++) detachState(s, g, st);
      whole++;
      continue;
    }
    for (let st = 0; st < g.byState.length && n > 0; st++) {
      const list = g.byState[st];
      if (list === undefined || list.length === 0) continue;
      const k = Math.min(n, list.length);
      list.splice(0, k);
      g.size -= k;
      s.counts[st] = (s.counts[st] as number) - k;
      s.started -= k;
      n -= k;
    }
    touch(g);
  }
  if (whole > 0) s.groups.splice(0, whole);
}

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
  const reach = (pm: PartialMatch) => {
    for (let t = pm.last; t !== null && t.mark !== mark; t = t.prev) t.mark = mark;
  };
  forEachPartial(s, reach);
  for (const pm of s.held) reach(pm);
  for (const [seq, b] of s.events) {
    const live = b.nodes.filter((t) => t.mark === mark);
    if (live.length > 0) {
      b.nodes = live;
      continue;
    }
    s.events.delete(seq);
    s.eventBytes -= b.text.length;
    if (b.saved) s.dropped.push(seq);
  }
  s.swept = s.events.size;
}

/** Events buffered and swept since the last call: what a save must write and delete. */
export function drainChanges(s: KeyState): { added: number[]; dropped: number[] } {
  const added: number[] = [];
  for (const seq of s.added) {
    const b = s.events.get(seq);
    if (b === undefined) continue;
    b.saved = true;
    added.push(seq);
  }
  const changes = { added, dropped: s.dropped };
  s.added = [];
  s.dropped = [];
  return changes;
}

/** The seqs of every event record a save was given and no later save deleted: what forgetting the key must delete. */
export function savedEventSeqs(s: KeyState): number[] {
  const out = [...s.dropped];
  for (const [seq, b] of s.events) if (b.saved) out.push(seq);
  return out;
}

/**
 * A buffered event's record: its text and its nodes as [idx, "step", prev seq, prev idx] (no prev:
 * [idx, "step"]). Built by hand: step names are [A-Za-z0-9_.:-] (spec.ts), so they need no escaping.
 */
export function eventRecord(b: Buffered): string {
  // Joined once rather than grown piece by piece: one flat string (see groupRecord).
  const nodes = b.nodes.map((t) => (t.prev === null ? `[${t.idx},"${t.step}"]` : `[${t.idx},"${t.step}",${t.prev.seq},${t.prev.idx}]`));
  return `{"e":${b.text},"n":[${nodes.join(",")}]}`;
}

/**
 * A start group's record: its start's ts, then state, last node's seq and idx per member, in
 * order. Pieces in an array joined once: a single flat string, where concatenating thousands of pieces makes
 * ropes whose garbage held a hot key's RSS at twice its live heap.
 */
function groupRecord(g: StartGroup): string {
  const out = new Array<string>(1 + g.size);
  out[0] = numberText(g.start.ts);
  let o = 1;
  for (const list of g.byState)
    if (list !== undefined)
      for (const pm of list) {
        const last = pm.last as Taken;
        out[o++] = `${pm.state},${last.seq},${last.idx}`;
      }
  return `[${out.join(",")}]`;
}

/** Up to this many partial matches, a key's are all saved in its head, not in start groups. */
export const INLINE_MATCHES = 16;
const inline = (s: KeyState): boolean => partialCount(s) <= INLINE_MATCHES;

let drains = 0;

/**
 * The start groups that changed since the last call, as records to write (by start seq) and
 * groups to delete. Comparing a group costs its version and writes nothing, so a key whose
 * partial matches wait is saved for the price of its head.
 */
export function drainGroups(s: KeyState): { put: [number, string][]; del: number[] } {
  if (inline(s)) {
    // Now in the head: any groups saved before go.
    const del = s.saved === null ? [] : [...s.saved.keys()];
    s.saved = null;
    return { put: [], del };
  }
  const saved = (s.saved ??= new Map<number, SavedGroup>());
  const seen = ++drains;
  const put: [number, string][] = [];
  let kept = 0;
  for (const g of s.groups) {
    const seq = g.start.seq;
    const known = saved.get(seq);
    if (known?.seen === seen) throw new Error(`internal: two groups of partial matches start at event ${seq}`);
    if (known?.version === g.version) {
      known.seen = seen;
      kept++;
      continue;
    }
    saved.set(seq, { version: g.version, seen });
    put.push([seq, groupRecord(g)]);
  }
  const del: number[] = [];
  if (saved.size > kept + put.length)
    for (const [seq, group] of saved)
      if (group.seen !== seen) {
        saved.delete(seq);
        del.push(seq);
      }
  return { put, del };
}

/** Matches as one flat list of numbers, five per match: state, start ts, start seq, last node's seq and idx. */
function flatMatches(pms: readonly PartialMatch[]): string {
  if (pms.length === 0) return "[]";
  const out = new Array<string>(pms.length);
  for (let i = 0, o = 0; i < pms.length; i++, o++) {
    const pm = pms[i] as PartialMatch;
    const start = pm.start === null ? "0,-1" : `${numberText(pm.start.ts)},${pm.start.seq}`;
    out[o] = `${pm.state},${start},${pm.last?.seq ?? -1},${pm.last?.idx ?? -1}`;
  }
  return `[${out.join(",")}]`;
}

const HEAD_FORMAT = 4;

/**
 * The head of a key's state as JSON: times, bounds, held matches and the partial matches without
 * a start (the start state's); the others are in their start groups, the nodes in the event
 * records. Built by hand (times through numberText), because it is written for every key a flush touches.
 */
export function serializeHead(s: KeyState): string {
  s.headPrefix ??= `{"format":${HEAD_FORMAT},"fingerprint":${JSON.stringify(s.fingerprint)},"key":${JSON.stringify(s.key)}`;
  return `${s.headPrefix},"time":${nullableText(s.time)},"nextSeq":${s.nextSeq},"partial":${flatMatches(inline(s) ? partialMatches(s) : s.unstarted)},"held":${flatMatches(s.held)},"evictedTotal":${s.evictedTotal},"evictedAt":${nullableText(s.evictedAt)}}`;
}

/** Every start group of the state as records, by start seq (for a whole snapshot). */
export function groupRecords(s: KeyState): [number, string][] {
  const out: [number, string][] = [];
  if (inline(s)) return out;
  for (const g of s.groups) out.push([g.start.seq, groupRecord(g)]);
  return out;
}

/** The whole state as one JSON text (head, event and group records), for callers that keep it in one piece. */
export function serializeState(s: KeyState): string {
  sweep(s);
  const events = [...s.events].map(([seq, b]) => `"${seq}":${eventRecord(b)}`).join(",");
  const groups = groupRecords(s).map(([seq, text]) => `"${seq}":${text}`).join(",");
  return `{"head":${serializeHead(s)},"events":{${events}},"groups":{${groups}}}`;
}

const int = z.number().int();
const savedMatchesSchema = z.array(z.number()).refine((a) => a.length % 5 === 0, { message: "matches come in fives" });

/**
 * Format 4 keeps in `partial` the matches that are in no start group (all of them for a key with
 * few, else those without a start); format 3 (before start groups) kept every partial match
 * there, and is still read: such a head restores as it was, and the caller rewrites it in the
 * current format (`RestoreResult.rewrite`).
 */
const headSchema = z
  .object({
    format: z.union([z.literal(3), z.literal(HEAD_FORMAT)]),
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

/** A start group's record: [start ts, (state, last seq, last idx)...], integers, at least one member. */
const groupRecordSchema = z
  .array(int)
  .refine((a) => a.length >= 4 && (a.length - 1) % 3 === 0, { message: "a start ts, then matches in threes" });

/** `rewrite`: the state was saved in an older format; its next save must write all of it. */
export type RestoreResult = { ok: true; state: KeyState; rewrite: boolean } | { ok: false; reason: string };

/**
 * Rebuilds a key's state from its head, its event records and its start groups (each by seq), and
 * checks it belongs to this NFA and is internally consistent. Records no match reaches are left
 * out (the state's next `drainChanges` lists them as dropped). A refusal is a result: the caller
 * decides whether to start the key afresh (e.g. after a rule changed).
 */
export function restoreHead(
  nfa: Nfa,
  headText: string,
  records: ReadonlyMap<number, string>,
  groups: ReadonlyMap<number, string> = new Map(),
): RestoreResult {
  const head = parseWith(headSchema, headText, "CEP key state");
  if (!head.ok) return head;
  const h = head.value;
  if (h.fingerprint !== nfa.fingerprint) return { ok: false, reason: `state was saved for another version of pattern ${nfa.patternId}` };
  if (h.format === 3 && groups.size > 0) return { ok: false, reason: "start groups beside a head of format 3" };
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
    events.set(seq, { event: parsed.value.e, text, nodes, saved: true });
    eventBytes += text.length;
  }
  const checkState = (state: number): string | null =>
    Number.isInteger(state) && state >= 0 && state < nfa.states.length ? null : `unknown NFA state ${state}`;
  const load = (saved: Head["partial"]): PartialMatch[] | string => {
    const out: PartialMatch[] = [];
    // Starts are shared by the matches that began at one event, as they were when saved.
    const starts = new Map<number, EventPos>();
    for (let i = 0; i < saved.length; i += 5) {
      const [state, ts, startSeq, seq, idx] = saved.slice(i, i + 5) as [number, number, number, number, number];
      const bad = checkState(state);
      if (bad) return bad;
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
  const grouped: PartialMatch[][] = [];
  for (const [startSeq, text] of groups) {
    const parsed = parseWith(groupRecordSchema, text, `start group ${startSeq}`);
    if (!parsed.ok) return parsed;
    const [ts, ...rest] = parsed.value as [number, ...number[]];
    const start: EventPos = { ts, seq: startSeq };
    const members: PartialMatch[] = [];
    for (let i = 0; i < rest.length; i += 3) {
      const [state, seq, idx] = rest.slice(i, i + 3) as [number, number, number];
      const bad = checkState(state);
      if (bad) return { ok: false, reason: bad };
      const last = nodeAt(seq, idx);
      if (last === undefined) return { ok: false, reason: `event ${seq} of a partial match is missing` };
      members.push({ state, start, last });
    }
    grouped.push(members);
  }
  const startOf = (g: PartialMatch[]) => (g[0] as PartialMatch).start as EventPos;
  grouped.sort((a, b) => startOf(a).ts - startOf(b).ts || startOf(a).seq - startOf(b).seq);
  const unstarted = load(h.partial);
  const held = load(h.held);
  if (typeof unstarted === "string") return { ok: false, reason: unstarted };
  if (grouped.length > 0 && unstarted.some((pm) => pm.start !== null)) return { ok: false, reason: "partial matches in the head beside start groups" };
  if (typeof held === "string") return { ok: false, reason: held };
  // Ordered by start, the start state last: groups by their start, then the head's own (all of
  // them when there are no groups, else those without a start).
  const partial = grouped.flat().concat(unstarted);
  const state: KeyState = {
    fingerprint: h.fingerprint,
    key: h.key,
    time: h.time,
    nextSeq: h.nextSeq,
    events,
    eventBytes,
    swept: events.size,
    groups: [],
    unstarted: [],
    counts: new Array<number>(nfa.states.length).fill(0),
    started: 0,
    held,
    evictedTotal: h.evictedTotal,
    evictedAt: h.evictedAt,
    added: [],
    dropped: [],
    saved: null,
    headPrefix: null,
  };
  setPartialMatches(state, partial);
  // The groups read from records are saved as they are now (a group's members in state order: a
  // record written before that order restores to the same state again, so it need not be rewritten).
  if (grouped.length > 0) state.saved = new Map(state.groups.map((g) => [g.start.seq, { version: g.version, seen: 0 }]));
  sweep(state);
  return { ok: true, state, rewrite: h.format !== HEAD_FORMAT };
}

/** `serializeState`'s inverse. */
export function restoreState(nfa: Nfa, text: string): RestoreResult {
  const whole = parseWith(
    z.object({ head: z.unknown(), events: z.record(z.string(), z.unknown()), groups: z.record(z.string(), z.unknown()).default({}) }).strict(),
    text,
    "CEP key state",
  );
  if (!whole.ok) return whole;
  const { head, events, groups } = whole.value;
  const bySeq = (o: Record<string, unknown>) => new Map(Object.entries(o).map(([seq, r]) => [Number(seq), JSON.stringify(r)]));
  return restoreHead(nfa, JSON.stringify(head), bySeq(events), bySeq(groups));
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
