/**
 * One partial match, one event: the partial matches it becomes. A port of Flink's
 * NFA.computeNextStates and createDecisionGraph. A take adds one node to the shared buffer
 * (state.ts) instead of copying the match; an ignore into the same state keeps the partial
 * match object itself.
 *
 * Which edges an event enables from a state depends only on the event unless a condition on the
 * way is iterative, so for such states the walk over proceed edges is done once per event
 * (`Step.memo`) and each partial match there costs a few pointer moves.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import type { Edge, Nfa, NfaState, StateKind } from "./nfa.ts";
import type { MatchView } from "../../schemas/condition/predicate.ts";
import type { Buffered, EventPos, PartialMatch, Taken } from "./state.ts";

export const stateOf = (nfa: Nfa, id: number): NfaState => {
  const s = nfa.states[id];
  if (!s) throw new Error(`internal: NFA state ${id} does not exist`);
  return s;
};

/** The start state before it has taken anything: it never ignores and is always kept, so every event may begin a match. */
export const isFresh = (nfa: Nfa, pm: PartialMatch): boolean => pm.start === null && pm.state === nfa.start;

interface Move {
  owner: NfaState;
  edge: Edge;
  /** The kind of the edge's target. */
  kind: StateKind;
  /** For a take: the final state reached by proceeding from its target on this event, or null. */
  final: number | null;
}

/** One event being fed to one key's partial matches. */
export interface Step {
  readonly nfa: Nfa;
  readonly event: Envelope;
  readonly pos: EventPos;
  readonly events: ReadonlyMap<number, Buffered>;
  /** Moves per state, for states whose conditions do not read the partial match. */
  readonly memo: (Move[] | undefined)[];
  /** Per state: whether a partial match there (not the fresh start) stays exactly as it is (`waits`). */
  readonly waiting: (boolean | undefined)[];
  /** The nodes made for this event (one per take): if any, the event is buffered with them. */
  readonly nodes: Taken[];
}

export const createStep = (nfa: Nfa, event: Envelope, pos: EventPos, events: ReadonlyMap<number, Buffered>): Step => ({
  nfa,
  event,
  pos,
  events,
  memo: [],
  waiting: [],
  nodes: [],
});

/**
 * Whether the event passes every partial match in this NFA state by (the fresh start aside): its
 * only move is an ignore into the same state, so each stays the same object. Decided once per
 * state and event, and never for states whose conditions read the match, which is what makes a
 * thousand waiting matches cost one check.
 */
export function waitsIn(step: Step, state: number): boolean {
  let w = step.waiting[state];
  if (w === undefined) {
    const s = stateOf(step.nfa, state);
    if (s.iterative) w = false;
    else {
      const moves = movesOf(step, s, null);
      const only = moves[0];
      w = moves.length === 1 && only !== undefined && only.edge.action === "ignore" && only.edge.target === state;
    }
    step.waiting[state] = w;
  }
  return w;
}

/** Whether the event passes this partial match by (`waitsIn` its state; the fresh start never waits). */
export const waits = (step: Step, pm: PartialMatch): boolean => waitsIn(step, pm.state) && !isFresh(step.nfa, pm);

/** Whether the event would begin a match from the start state: if not, a key with no state stays without one. */
export function beginsMatch(nfa: Nfa, event: Envelope): boolean {
  const step = createStep(nfa, event, { ts: event.ts, seq: 0 }, noEvents);
  const fresh: PartialMatch = { state: nfa.start, start: null, last: null };
  return movesOf(step, stateOf(nfa, nfa.start), fresh).some((m) => m.edge.action === "take");
}

const noEvents: ReadonlyMap<number, Buffered> = new Map();

/**
 * Appends the successors of `pm` to `out` and the matches it completes to `complete`. A branch
 * that sees a forbidden event dies whole, but matches it completed on that event still count, as
 * in Flink; the start state always survives, so every later event may still begin a match.
 */
export function successors(step: Step, pm: PartialMatch, out: PartialMatch[], complete: PartialMatch[]): void {
  const { nfa, pos } = step;
  const fresh = isFresh(nfa, pm);
  const moves = movesOf(step, stateOf(nfa, pm.state), pm);
  // The common case under a busy key: the event passes a waiting partial match by.
  if (moves.length === 1 && !fresh) {
    const only = moves[0] as Move;
    if (only.edge.action === "ignore" && only.edge.target === pm.state) {
      out.push(pm);
      return;
    }
  }
  const mark = out.length;
  let stopped = false;
  for (let i = 0; i < moves.length; i++) {
    const { owner, edge, kind, final } = moves[i] as Move;
    let next: PartialMatch;
    if (edge.action === "ignore") {
      if (fresh) continue;
      next = edge.target === pm.state ? pm : { state: edge.target, start: pm.start, last: pm.last };
    } else {
      const last: Taken = { step: owner.step, seq: pos.seq, ts: pos.ts, idx: step.nodes.length, prev: pm.last, mark: 0 };
      step.nodes.push(last);
      next = { state: edge.target, start: pm.start ?? pos, last };
      // A take into a state whose remaining steps are all skippable completes a match right away.
      if (final !== null) complete.push({ state: final, start: next.start, last: next.last });
    }
    if (kind === "stop") stopped = true;
    else if (kind === "final") complete.push(next);
    else out.push(next);
  }
  if (stopped) out.length = mark;
  if (fresh) out.push(pm);
}

/** `pm` is only read for iterative states (whose conditions read the match): `waitsIn` has none to pass. */
function movesOf(step: Step, s: NfaState, pm: PartialMatch | null): Move[] {
  if (s.iterative) return walk(step, s, viewOf(pm as PartialMatch, step.events));
  let moves = step.memo[s.id];
  if (moves === undefined) {
    moves = walk(step, s, noView);
    step.memo[s.id] = moves;
  }
  return moves;
}

/** Follows proceed edges (epsilon moves) and collects the take / ignore edges the event enables. */
function walk(step: Step, from: NfaState, view: MatchView): Move[] {
  const { nfa, event } = step;
  const found: Move[] = [];
  const stack = [from];
  for (let owner = stack.pop(); owner; owner = stack.pop()) {
    for (const edge of owner.edges) {
      if (!edge.when(event, view)) continue;
      if (edge.action === "proceed") stack.push(stateOf(nfa, edge.target));
      else
        found.push({
          owner,
          edge,
          kind: stateOf(nfa, edge.target).kind,
          final: edge.action === "take" ? finalAfterProceed(nfa, edge.target, event, view) : null,
        });
    }
  }
  return found;
}

function finalAfterProceed(nfa: Nfa, from: number, event: Envelope, view: MatchView): number | null {
  const stack = [stateOf(nfa, from)];
  for (let s = stack.pop(); s; s = stack.pop()) {
    for (const edge of s.edges) {
      if (edge.action !== "proceed" || !edge.when(event, view)) continue;
      const target = stateOf(nfa, edge.target);
      if (target.kind === "final") return target.id;
      stack.push(target);
    }
  }
  return null;
}

const noView: MatchView = {
  eventsOf() {
    throw new Error("internal: a condition marked non-iterative read the partial match");
  },
};

/** The events a partial match has taken, per step, for iterative conditions; built lazily, once per step. */
export function viewOf(pm: PartialMatch, events: ReadonlyMap<number, Buffered>): MatchView {
  const cache = new Map<string, Envelope[]>();
  return {
    eventsOf(step) {
      let found = cache.get(step);
      if (!found) {
        found = [];
        for (let t = pm.last; t !== null; t = t.prev) if (t.step === step) found.push(eventAt(events, t.seq));
        found.reverse();
        cache.set(step, found);
      }
      return found;
    },
  };
}

export function eventAt(events: ReadonlyMap<number, Buffered>, seq: number): Envelope {
  const b = events.get(seq);
  if (!b) throw new Error(`internal: event ${seq} missing from key state`);
  return b.event;
}
