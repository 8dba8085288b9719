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
import {
  addMember,
  createGroup,
  detachState,
  evictOldest,
  firstOfGroup,
  firstPartial,
  forEachPartial,
  partialMatches,
  setPartialMatches,
  sweep,
  takenOf,
  touch,
  type EventPos,
  type KeyState,
  type PartialMatch,
  type StartGroup,
} from "./state.ts";
import { createStep, eventAt, stateOf, successors, waitsIn, type Step } from "./successors.ts";

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
  let closed: PartialMatch[];
  if (!nfa.stepWindows) {
    // Without step windows a match's deadline is its start's, so the closed ones are the first
    // start groups: they go whole, and the others are not visited.
    const groups = state.groups;
    let n = 0;
    while (n < groups.length && time >= deadlineOf(nfa, firstOfGroup(groups[n] as StartGroup))) n++;
    if (n === 0) return quiet(state);
    closed = [];
    for (const g of groups.splice(0, n)) for (let st = 0; st < g.byState.length; st++) for (const pm of detachState(state, g, st) ?? []) closed.push(pm);
  } else {
    const live: PartialMatch[] = [];
    closed = [];
    forEachPartial(state, (pm) => (time >= deadlineOf(nfa, pm) ? closed : live).push(pm));
    if (closed.length === 0) return quiet(state);
    setPartialMatches(state, live);
  }
  const absent = closed.filter((pm) => stateOf(nfa, pm.state).kind === "pending");
  const expired = closed.filter((pm) => stateOf(nfa, pm.state).kind !== "pending");
  // Even without a skip strategy, an absence match waits for earlier-starting partial matches, as in Flink.
  const emitted = release(strategyOf(nfa), state, absent);
  const matches = emitted.map((pm) => toMatch(nfa.patternId, state.key, pm, state.events, absenceEnd(nfa, pm), marked(nfa, state, pm)));
  const timeouts = expired.map((pm) => ({
    pattern_id: nfa.patternId,
    key: state.key,
    events: eventsByStep(pm, state.events),
    start_ts: (pm.start as EventPos).ts,
    timeout_ts: deadlineOf(nfa, pm),
  }));
  maybeSweep(state);
  return { state, matches, timeouts, evicted: 0, cause: null };
}

/** Feeds one event of this key. Advances time to the event's ts first, so a stale partial match can never take it. */
export function processEvent(nfa: Nfa, state: KeyState, event: Envelope, limits: Limits = unlimited): StepResult {
  const advanced = advanceTime(nfa, state, event.ts);
  const pos: EventPos = { ts: event.ts, seq: state.nextSeq };
  const step = createStep(nfa, event, pos, state.events);
  let complete: PartialMatch[] = [];
  // The states whose matches the event moves. A state whose matches it passes by (each stays as
  // it is) is decided here once, and its matches are not visited: under a hot key whose matches
  // wait, an event costs a check per live NFA state, not per match.
  const active: number[] = [];
  for (let st = 0; st < state.counts.length; st++) if ((state.counts[st] as number) > 0 && !waitsIn(step, st)) active.push(st);
  if (active.length > 0) {
    let kept = 0;
    const groups = state.groups;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as StartGroup;
      stepGroup(step, state, g, active, complete);
      if (g.size > 0) groups[kept++] = g;
    }
    groups.length = kept;
  }
  // The start state's: what it begins forms the group of this event.
  const unstarted = state.unstarted;
  state.unstarted = [];
  let begun: StartGroup | null = null;
  const next: PartialMatch[] = [];
  for (const pm of unstarted) {
    next.length = 0;
    successors(step, pm, next, complete);
    for (const n of next) {
      if (n.start === null) state.unstarted.push(n);
      else addMember(state, (begun ??= createGroup(n.start)), n);
    }
  }
  if (begun !== null) insertGroup(state, begun);
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
  const evicted = Math.min(state.started, Math.max(0, state.started + state.held.length - cap));
  // Only started matches are evicted: the start state's is never.
  if (evicted > 0) evictOldest(state, evicted);

  const strategy = strategyOf(nfa);
  const emitted = strategy.holdsMatches ? release(strategy, state, complete) : complete;
  if (evicted > 0) noteEviction(state, evicted);
  const matches = advanced.matches;
  for (const pm of emitted) matches.push(toMatch(nfa.patternId, state.key, pm, state.events, null, marked(nfa, state, pm)));
  maybeSweep(state);
  const byEvents = state.events.size > limits.maxEvents ? shrinkTo(state, (s) => s.events.size <= limits.maxEvents) : 0;
  const total = evicted + byEvents;
  return { state, matches, timeouts: advanced.timeouts, evicted: total, cause: byEvents > 0 ? "events" : evicted > 0 ? "partial_matches" : null };
}

/**
 * Steps the members of one start group that are in an active state: taken out of the group first,
 * then their successors put back (all successors of a started match share its start), so a
 * successor in another active state is not stepped twice.
 */
function stepGroup(step: Step, state: KeyState, g: StartGroup, active: readonly number[], complete: PartialMatch[]): void {
  let moving: PartialMatch[][] | null = null;
  for (const st of active) {
    const list = detachState(state, g, st);
    if (list !== undefined) (moving ??= []).push(list);
  }
  if (moving === null) return;
  touch(g);
  const next: PartialMatch[] = [];
  for (const list of moving)
    for (const pm of list) {
      next.length = 0;
      successors(step, pm, next, complete);
      for (const n of next) addMember(state, g, n);
    }
}

/** Puts a new start group in its place by start: last, unless its event is older than a start already there (out of order within the watermark's bound). */
function insertGroup(state: KeyState, g: StartGroup): void {
  const groups = state.groups;
  let i = groups.length;
  while (i > 0 && comparePos((groups[i - 1] as StartGroup).start, g.start) > 0) i--;
  if (i === groups.length) groups.push(g);
  else groups.splice(i, 0, g);
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
    const started = state.started;
    if (started === 0 && state.held.length === 0) break;
    if (started === 0) {
      // Only held matches are left: none can be released without the partial matches they wait for.
      evicted += state.held.length;
      state.held = [];
    } else {
      const n = Math.max(1, Math.ceil(started / 4));
      evictOldest(state, n);
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
 * Flink's processMatchesAccordingToSkipStrategy: emits complete matches (those held and `fresh`)
 * in start order while none starts after the earliest partial match, pruning the key's partial
 * and held matches by the strategy after each one; returns the emitted, and keeps the rest held.
 */
function release(strategy: SkipStrategy, state: KeyState, fresh: readonly PartialMatch[]): PartialMatch[] {
  if (state.held.length === 0 && fresh.length === 0) return [];
  let waiting = byStart([...state.held, ...fresh]);
  const emitted: PartialMatch[] = [];
  for (let m = waiting[0]; m; m = waiting[0]) {
    const earliest = firstPartial(state)?.start;
    if (earliest && comparePos(m.start as EventPos, earliest) > 0) break;
    waiting = waiting.slice(1);
    const point = strategy.pruningPoint(takenOf(m.last).map(([step, seq]) => [step, { ts: eventAt(state.events, seq).ts, seq }] as const));
    if (point) {
      const survives = (pm: PartialMatch) => pm.start === null || !strategy.prunes(pm.start, point);
      if (state.groups.some((g) => strategy.prunes(g.start, point))) setPartialMatches(state, partialMatches(state).filter(survives));
      waiting = waiting.filter(survives);
    }
    emitted.push(m);
  }
  state.held = waiting;
  return emitted;
}

/** Stable sort by start event, start state last: the order Flink's priority queues poll in. */
function byStart(pms: PartialMatch[]): PartialMatch[] {
  return pms.toSorted((a, b) => (a.start && b.start ? comparePos(a.start, b.start) : a.start ? -1 : b.start ? 1 : 0));
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
    const first = firstPartial(state);
    const d = first ? deadlineOf(nfa, first) : Number.POSITIVE_INFINITY;
    return Number.isFinite(d) ? d : null;
  }
  let min = Number.POSITIVE_INFINITY;
  forEachPartial(state, (pm) => {
    min = Math.min(min, deadlineOf(nfa, pm));
  });
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
