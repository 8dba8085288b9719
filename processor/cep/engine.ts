/**
 * The CEP runtime for one key: `processEvent` and `advanceTime`, pure functions from (NFA, state,
 * input) to (new state, output). The old state is never modified, so a caller can persist the new
 * one and commit, or drop it and retry. Time is event time only: windows close and absence matches
 * fire when the caller advances time (the watermark), never by the wall clock.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { toMatch, eventsByStep, type EventLookup, type Match, type TimedOut } from "./match.ts";
import type { Nfa } from "./nfa.ts";
import { comparePos, skipStrategy, type SkipStrategy } from "./skip.ts";
import type { EventPos, KeyState, PartialMatch } from "./state.ts";
import { stateOf, successors } from "./successors.ts";

export interface StepResult {
  state: KeyState;
  matches: Match[];
  /** Partial matches whose window closed (not absence matches, which are in `matches`). */
  timeouts: TimedOut[];
  /** Partial matches dropped by this call to stay within `maxPartialMatches`. */
  evicted: number;
}

/**
 * Moves event time to `ts` (ignored if earlier than the time already reached): partial matches
 * whose window has closed time out, and absence patterns (a trailing notFollowedBy) whose window
 * closed without the forbidden event become matches.
 */
export function advanceTime(nfa: Nfa, state: KeyState, ts: number): StepResult {
  const time = state.time === null ? ts : Math.max(state.time, ts);
  const within = nfa.withinMs;
  const live: PartialMatch[] = [];
  const absent: PartialMatch[] = [];
  const expired: PartialMatch[] = [];
  for (const pm of state.partial) {
    if (pm.start !== null && within !== null && time - pm.start.ts >= within) {
      (stateOf(nfa, pm.state).kind === "pending" ? absent : expired).push(pm);
    } else {
      live.push(pm);
    }
  }
  const eventOf = lookup(state);
  // Even without a skip strategy, an absence match waits for earlier-starting partial matches, as in Flink.
  const released = release(skipStrategy(nfa.skip), eventOf, state.held, absent, live);
  return {
    state: settle(state, { time, partial: released.partial, held: released.held }, eventOf, 0),
    matches: released.emitted.map((pm) => toMatch(nfa.patternId, state.key, pm, eventOf, absenceEnd(nfa, pm))),
    timeouts: expired.map((pm) => ({
      pattern_id: nfa.patternId,
      key: state.key,
      events: eventsByStep(pm, eventOf),
      start_ts: (pm.start as EventPos).ts,
      timeout_ts: (pm.start as EventPos).ts + (within as number),
    })),
    evicted: 0,
  };
}

/** Feeds one event of this key. Advances time to the event's ts first, so a stale partial match can never take it. */
export function processEvent(nfa: Nfa, state: KeyState, event: Envelope): StepResult {
  const advanced = advanceTime(nfa, state, event.ts);
  const before = advanced.state;
  const pos: EventPos = { ts: event.ts, seq: before.nextSeq };
  const known = lookup(before);
  const eventOf: EventLookup = (seq) => (seq === pos.seq ? event : known(seq));

  let partial: PartialMatch[] = [];
  const complete: PartialMatch[] = [];
  for (const pm of before.partial) {
    const kept: PartialMatch[] = [];
    let stopped = false;
    for (const next of successors(nfa, pm, event, pos, eventOf)) {
      const kind = stateOf(nfa, next.state).kind;
      if (kind === "final") complete.push(next);
      else if (kind === "stop") stopped = true;
      else kept.push(next);
    }
    // A branch that saw a forbidden event dies whole; matches it completed on the same event still count.
    if (!stopped) partial.push(...kept);
  }
  partial = byStart(partial);
  // Held matches count too: an old partial match that never completes would otherwise hold back
  // every later match forever. Evicting it (oldest first) is also what releases them.
  const started = partial.filter((pm) => pm.start !== null).length;
  const evicted = Math.min(started, Math.max(0, started + before.held.length - nfa.maxPartialMatches));
  // Sorted by start with the start state (start null) last, so the start state is never evicted.
  partial = partial.slice(evicted);

  const strategy = skipStrategy(nfa.skip);
  const released = strategy.holdsMatches
    ? release(strategy, eventOf, before.held, complete, partial)
    : { emitted: byStart(complete), held: before.held, partial };
  return {
    state: settle(before, { time: before.time, partial: released.partial, held: released.held, seq: pos.seq + 1 }, eventOf, evicted),
    matches: [...advanced.matches, ...released.emitted.map((pm) => toMatch(nfa.patternId, before.key, pm, eventOf, null))],
    timeouts: advanced.timeouts,
    evicted,
  };
}

/**
 * Flink's processMatchesAccordingToSkipStrategy: emits complete matches in start order while none
 * starts after the earliest partial match, pruning by the strategy after each one.
 */
function release(
  strategy: SkipStrategy,
  eventOf: EventLookup,
  held: readonly PartialMatch[],
  fresh: readonly PartialMatch[],
  live: PartialMatch[],
): { emitted: PartialMatch[]; held: PartialMatch[]; partial: PartialMatch[] } {
  let waiting = byStart([...held, ...fresh]);
  let partial = live;
  const emitted: PartialMatch[] = [];
  for (let m = waiting[0]; m; m = waiting[0]) {
    const earliest = partial[0]?.start;
    if (earliest && comparePos(m.start as EventPos, earliest) > 0) break;
    waiting = waiting.slice(1);
    const point = strategy.pruningPoint(m.taken.map(([step, seq]) => [step, { ts: eventOf(seq).ts, seq }] as const));
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

/** The new state, keeping only the events some partial or held match still refers to. */
function settle(
  old: KeyState,
  next: { time: number | null; partial: PartialMatch[]; held: PartialMatch[]; seq?: number },
  eventOf: EventLookup,
  evicted: number,
): KeyState {
  const events: KeyState["events"] = {};
  for (const pm of [...next.partial, ...next.held]) for (const [, seq] of pm.taken) events[String(seq)] ??= eventOf(seq);
  return {
    ...old,
    time: next.time,
    nextSeq: next.seq ?? old.nextSeq,
    events,
    partial: next.partial,
    held: next.held,
    evictedTotal: old.evictedTotal + evicted,
  };
}

function lookup(state: KeyState): EventLookup {
  return (seq) => {
    const e = state.events[String(seq)];
    if (!e) throw new Error(`internal: event ${seq} missing from key state`);
    return e;
  };
}

const absenceEnd = (nfa: Nfa, pm: PartialMatch): number | null =>
  stateOf(nfa, pm.state).kind === "pending" && pm.start && nfa.withinMs !== null ? pm.start.ts + nfa.withinMs : null;
