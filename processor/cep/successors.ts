/**
 * One partial match, one event: the partial matches it becomes. A port of Flink's
 * NFA.computeNextStates and createDecisionGraph, minus the Dewey numbers: each partial match
 * carries its own list of taken events, so no shared buffer has to be untangled afterwards.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import type { EventLookup } from "./match.ts";
import type { Edge, Nfa, NfaState } from "./nfa.ts";
import type { MatchView } from "./predicate.ts";
import type { EventPos, PartialMatch } from "./state.ts";

export const stateOf = (nfa: Nfa, id: number): NfaState => {
  const s = nfa.states[id];
  if (!s) throw new Error(`internal: NFA state ${id} does not exist`);
  return s;
};

/** The start state before it has taken anything: it never ignores and is always kept, so every event may begin a match. */
export const isFresh = (nfa: Nfa, pm: PartialMatch): boolean => pm.start === null && stateOf(nfa, pm.state).kind === "start";

export function successors(nfa: Nfa, pm: PartialMatch, event: Envelope, pos: EventPos, eventOf: EventLookup): PartialMatch[] {
  const view = viewOf(pm, eventOf);
  const fresh = isFresh(nfa, pm);
  const next: PartialMatch[] = [];
  for (const { owner, edge } of consumingEdges(nfa, pm.state, event, view)) {
    if (edge.action === "ignore") {
      if (!fresh) next.push({ state: edge.target, start: pm.start, taken: pm.taken });
      continue;
    }
    const taken: [string, number][] = [...pm.taken, [owner.step, pos.seq]];
    const start = pm.start ?? pos;
    next.push({ state: edge.target, start, taken });
    // A take into a state whose remaining steps are all skippable completes a match right away.
    const final = finalAfterProceed(nfa, edge.target, event, view);
    if (final !== null) next.push({ state: final, start, taken });
  }
  if (fresh) next.push(pm);
  return next;
}

/** Follows proceed edges (epsilon moves) and collects the take / ignore edges the event enables. */
function consumingEdges(nfa: Nfa, from: number, event: Envelope, view: MatchView): { owner: NfaState; edge: Edge }[] {
  const found: { owner: NfaState; edge: Edge }[] = [];
  const stack = [stateOf(nfa, from)];
  for (let owner = stack.pop(); owner; owner = stack.pop()) {
    for (const edge of owner.edges) {
      if (!edge.when(event, view)) continue;
      if (edge.action === "proceed") stack.push(stateOf(nfa, edge.target));
      else found.push({ owner, edge });
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

/** The events a partial match has taken, per step, for iterative conditions; built lazily, once per step. */
function viewOf(pm: PartialMatch, eventOf: EventLookup): MatchView {
  const cache = new Map<string, Envelope[]>();
  return {
    eventsOf(step) {
      let events = cache.get(step);
      if (!events) {
        events = pm.taken.filter(([s]) => s === step).map(([, seq]) => eventOf(seq));
        cache.set(step, events);
      }
      return events;
    },
  };
}
