/**
 * The CEP runtime for one key: `processEvent` and `advanceTime`, from (NFA, state, input) to output.
 * The key state is updated in place, as Flink's SharedBuffer is: copying it per event is what made
 * a busy key's cost grow with its history. A list is changed only once the event's successors are
 * all known, so an exception in a condition or the walk leaves the state as it was. Time is event time
 * only: windows close and absence matches fire when the caller advances time (the watermark),
 * never by the wall clock.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { eventsByStep, toMatch, type Match, type TimedOut } from "./match.ts";
import type { Nfa } from "./nfa.ts";
import { comparePos, skipStrategy, type SkipStrategy } from "./skip.ts";
import { sweep, takenOf, type EventPos, type KeyState, type PartialMatch } from "./state.ts";
import { createStep, eventAt, stateOf, successors, waits } from "./successors.ts";

/** Bounds on one key's state, set by the processor; a pattern's own max_partial_matches applies too. */
export interface Limits {
  /** Partial matches plus matches held by a skip strategy. */
  maxPartialMatches: number;
  /** Buffered events (after a sweep of those no match needs). */
  maxEvents: number;
}

export const unlimited: Limits = { maxPartialMatches: Number.POSITIVE_INFINITY, maxEvents: Number.POSITIVE_INFINITY };

/** Which bound made a call evict partial matches. */
export type EvictionCause = "partial_matches" | "events" | "budget";

export interface StepResult {
  state: KeyState;
  matches: Match[];
  /** Partial matches whose window closed (not absence matches, which are in `matches`). */
  timeouts: TimedOut[];
  /** Partial matches dropped by this call to stay within a bound, and which bound (null when none). */
  evicted: number;
  cause: EvictionCause | null;
}

/**
 * Moves event time to `ts` (ignored if earlier than the time already reached): partial matches
 * whose window has closed time out, and absence patterns (a trailing notFollowedBy) whose window
 * closed without the forbidden event become matches.
 */
export function advanceTime(nfa: Nfa, state: KeyState, ts: number): StepResult {
  const time = state.time === null ? ts : Math.max(state.time, ts);
  state.time = time;
  const first = state.partial[0];
  // Without step windows partial matches are ordered by deadline too: if the earliest has time left, all have.
  if (!nfa.stepWindows && (!first || time < deadlineOf(nfa, first))) return quiet(state);
  const live: PartialMatch[] = [];
  const absent: PartialMatch[] = [];
  const expired: PartialMatch[] = [];
  for (const pm of state.partial) {
    if (time >= deadlineOf(nfa, pm)) (stateOf(nfa, pm.state).kind === "pending" ? absent : expired).push(pm);
    else live.push(pm);
  }
  if (absent.length === 0 && expired.length === 0) return quiet(state);
  // Even without a skip strategy, an absence match waits for earlier-starting partial matches, as in Flink.
  const released = release(strategyOf(nfa), state, state.held, absent, live);
  const matches = released.emitted.map((pm) => toMatch(nfa.patternId, state.key, pm, state.events, absenceEnd(nfa, pm), marked(nfa, state, pm)));
  const timeouts = expired.map((pm) => ({
    pattern_id: nfa.patternId,
    key: state.key,
    events: eventsByStep(pm, state.events),
    start_ts: (pm.start as EventPos).ts,
    timeout_ts: deadlineOf(nfa, pm),
  }));
  state.partial = released.partial;
  state.held = released.held;
  maybeSweep(state);
  return { state, matches, timeouts, evicted: 0, cause: null };
}

/** Feeds one event of this key. Advances time to the event's ts first, so a stale partial match can never take it. */
export function processEvent(nfa: Nfa, state: KeyState, event: Envelope, limits: Limits = unlimited): StepResult {
  const advanced = advanceTime(nfa, state, event.ts);
  const pos: EventPos = { ts: event.ts, seq: state.nextSeq };
  const step = createStep(nfa, event, pos, state.events);
  const list = state.partial;
  let complete: PartialMatch[] = [];
  // Partial matches the event passes by stay where they are. When that is all of them but the
  // start state (last in the list), the list itself is kept and only the start state's
  // successors replace it: under a hot key whose matches wait, an event costs a check per match.
  let waiting = 0;
  while (waiting < list.length && waits(step, list[waiting] as PartialMatch)) waiting++;
  let partial: PartialMatch[];
  if (waiting === list.length - 1) {
    const tail: PartialMatch[] = [];
    successors(step, list[waiting] as PartialMatch, tail, complete);
    list.pop();
    for (const pm of tail) list.push(pm);
    partial = list;
  } else {
    partial = list.slice(0, waiting);
    for (let i = waiting; i < list.length; i++) {
      const pm = list[i] as PartialMatch;
      if (waits(step, pm)) partial.push(pm);
      else successors(step, pm, partial, complete);
    }
  }
  // Only the start state begins matches, and it is last: the order by start holds unless this
  // event is older than a match already started (out of order within the watermark's bound).
  if (outOfOrder(partial, pos)) partial = byStart(partial);
  if (complete.length > 1) complete = byStart(complete);
  state.nextSeq = pos.seq + 1;
  if (step.nodes.length > 0) {
    const text = textOf(event);
    state.events.set(pos.seq, { event, text, nodes: step.nodes, saved: false });
    state.eventBytes += text.length;
    state.added.push(pos.seq);
  }

  const cap = Math.min(limits.maxPartialMatches, nfa.maxPartialMatches ?? Number.POSITIVE_INFINITY);
  // Held matches count too: an old partial match that never completes would otherwise hold back
  // every later match forever. Evicting it (oldest first) is also what releases them.
  const started = partial.length - (partial.at(-1)?.start === null ? 1 : 0);
  const evicted = Math.min(started, Math.max(0, started + state.held.length - cap));
  // Sorted by start with the start state (start null) last, so the start state is never evicted.
  if (evicted > 0) partial.splice(0, evicted);

  const strategy = strategyOf(nfa);
  const released = strategy.holdsMatches
    ? release(strategy, state, state.held, complete, partial)
    : { emitted: complete, held: state.held, partial };
  state.partial = released.partial;
  state.held = released.held;
  if (evicted > 0) noteEviction(state, evicted);
  const matches = advanced.matches;
  for (const pm of released.emitted) matches.push(toMatch(nfa.patternId, state.key, pm, state.events, null, marked(nfa, state, pm)));
  maybeSweep(state);
  const byEvents = state.events.size > limits.maxEvents ? shrinkTo(state, (s) => s.events.size <= limits.maxEvents) : 0;
  const total = evicted + byEvents;
  return { state, matches, timeouts: advanced.timeouts, evicted: total, cause: byEvents > 0 ? "events" : evicted > 0 ? "partial_matches" : null };
}

/** One skip strategy object per compiled pattern, not one per event. */
const strategies = new WeakMap<Nfa, SkipStrategy>();
function strategyOf(nfa: Nfa): SkipStrategy {
  let strategy = strategies.get(nfa);
  if (!strategy) strategies.set(nfa, (strategy = skipStrategy(nfa.skip)));
  return strategy;
}

/**
 * Sweeps, then evicts the oldest partial matches (a quarter of them at a time, sweeping after each) until
 * `enough` holds or only the start state is left; returns how many went. For the per-key event
 * bound and for the processor's state budget.
 */
export function shrinkTo(state: KeyState, enough: (s: KeyState) => boolean): number {
  let evicted = 0;
  // Events no match needs go first: they may be all that is over.
  sweep(state);
  while (!enough(state)) {
    const started = state.partial.length - (state.partial.at(-1)?.start === null ? 1 : 0);
    if (started === 0 && state.held.length === 0) break;
    if (started === 0) {
      // Only held matches are left: none can be released without the partial matches they wait for.
      evicted += state.held.length;
      state.held = [];
    } else {
      const n = Math.max(1, Math.ceil(started / 4));
      state.partial = state.partial.slice(n);
      evicted += n;
    }
    sweep(state);
  }
  if (evicted > 0) noteEviction(state, evicted);
  return evicted;
}

function noteEviction(state: KeyState, n: number): void {
  state.evictedTotal += n;
  state.evictedAt = state.time;
}

/** A match is marked when an eviction on its key came at most `within` before it ended (any time, without within). */
function marked(nfa: Nfa, state: KeyState, pm: PartialMatch): boolean {
  if (state.evictedAt === null) return false;
  if (nfa.withinMs === null) return true;
  let end = -Infinity;
  for (const [, seq] of takenOf(pm.last)) end = Math.max(end, eventAt(state.events, seq).ts);
  return state.evictedAt >= end - nfa.withinMs;
}

/** Sweeps once the buffer has doubled since the last sweep, so a sweep's cost is spread over the events that grew it. */
function maybeSweep(state: KeyState): void {
  if (state.events.size > 2 * state.swept + 16) sweep(state);
}

/**
 * Flink's processMatchesAccordingToSkipStrategy: emits complete matches in start order while none
 * starts after the earliest partial match, pruning by the strategy after each one.
 */
function release(
  strategy: SkipStrategy,
  state: KeyState,
  held: readonly PartialMatch[],
  fresh: readonly PartialMatch[],
  live: PartialMatch[],
): { emitted: PartialMatch[]; held: PartialMatch[]; partial: PartialMatch[] } {
  if (held.length === 0 && fresh.length === 0) return { emitted: [], held: [], partial: live };
  let waiting = byStart([...held, ...fresh]);
  let partial = live;
  const emitted: PartialMatch[] = [];
  for (let m = waiting[0]; m; m = waiting[0]) {
    const earliest = partial[0]?.start;
    if (earliest && comparePos(m.start as EventPos, earliest) > 0) break;
    waiting = waiting.slice(1);
    const point = strategy.pruningPoint(takenOf(m.last).map(([step, seq]) => [step, { ts: eventAt(state.events, seq).ts, seq }] as const));
    if (point) {
      const survives = (pm: PartialMatch) => pm.start === null || !strategy.prunes(pm.start, point);
      partial = partial.filter(survives);
      waiting = waiting.filter(survives);
    }
    emitted.push(m);
  }
  return { emitted, held: waiting, partial };
}

/** Stable sort by start event, start state last: the order Flink's priority queues poll in. */
function byStart(pms: PartialMatch[]): PartialMatch[] {
  return pms.toSorted((a, b) => (a.start && b.start ? comparePos(a.start, b.start) : a.start ? -1 : b.start ? 1 : 0));
}

/** Whether a partial match begun by this event landed behind one that started later. */
function outOfOrder(partial: readonly PartialMatch[], pos: EventPos): boolean {
  let latest: EventPos | null = null;
  for (let i = partial.length - 1; i >= 0; i--) {
    const start = (partial[i] as PartialMatch).start;
    if (start === null) continue;
    if (start !== pos) return latest !== null && comparePos(start, latest) > 0;
    latest = start;
  }
  return false;
}

const quiet = (state: KeyState): StepResult => ({ state, matches: [], timeouts: [], evicted: 0, cause: null });

const absenceEnd = (nfa: Nfa, pm: PartialMatch): number | null => (stateOf(nfa, pm.state).kind === "pending" ? deadlineOf(nfa, pm) : null);

/**
 * When a partial match can no longer complete: `within` after its first event (FIRST_AND_LAST),
 * or its state's step window after its last event (PREVIOUS_AND_CURRENT), whichever is first.
 * The start state, before any take, has no deadline.
 */
export function deadlineOf(nfa: Nfa, pm: PartialMatch): number {
  let deadline = Number.POSITIVE_INFINITY;
  if (pm.start !== null && nfa.withinMs !== null) deadline = pm.start.ts + nfa.withinMs;
  const step = nfa.stepWindows ? stateOf(nfa, pm.state).withinMs : null;
  if (step !== null && pm.last !== null) deadline = Math.min(deadline, pm.last.ts + step);
  return deadline;
}

/** The earliest deadline of a key's partial matches, or null: when the key's timer must fire. */
export function nextDeadline(nfa: Nfa, state: KeyState): number | null {
  if (!nfa.stepWindows) {
    const first = state.partial[0];
    const d = first ? deadlineOf(nfa, first) : Number.POSITIVE_INFINITY;
    return Number.isFinite(d) ? d : null;
  }
  let min = Number.POSITIVE_INFINITY;
  for (const pm of state.partial) min = Math.min(min, deadlineOf(nfa, pm));
  return Number.isFinite(min) ? min : null;
}

/** Every pattern that buffers an event saves the same text: made once per event, not once per pattern. */
const texts = new WeakMap<Envelope, string>();
function textOf(event: Envelope): string {
  let text = texts.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    texts.set(event, text);
  }
  return text;
}
