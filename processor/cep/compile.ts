/**
 * PatternSpec -> NFA, a port of Flink's NFACompiler. Like Flink it builds the automaton backwards,
 * from the final state to the start, because each step's states need the already-built states of
 * the step after it as their targets. Keeping Flink's construction (rather than inventing one) is
 * what lets Flink's own test vectors hold for Fluxgate.
 */
import { createHash } from "node:crypto";
import { always, both, compileCondition, negate, type Predicate } from "../../schemas/condition/predicate.ts";
import { parsePatternSpec, type LoopContiguity, type Contiguity, type PatternSpec, type StepSpec } from "../../schemas/spec/pattern.ts";
import type { Action, Nfa, NfaState, StateKind } from "./nfa.ts";

/** Bump when the shape of compiled NFAs changes: saved state refers to states by index. */
const COMPILER_VERSION = 2;

export type CompileResult = { ok: true; nfa: Nfa; spec: PatternSpec } | { ok: false; error: string };

/** Checks an author's spec (from YAML or code) and compiles it; a bad spec is a result, not an exception. */
export function compilePattern(input: unknown): CompileResult {
  const parsed = parsePatternSpec(input);
  return parsed.ok ? { ok: true, nfa: nfaFor(parsed.spec), spec: parsed.spec } : parsed;
}

const built = new WeakMap<PatternSpec, Nfa>();

/**
 * The NFA of a checked spec (a compiled rule's pattern), built once per spec: every partition's
 * runner of a rule shares it, which is safe because an NFA and its predicates hold no state.
 */
export function nfaFor(spec: PatternSpec): Nfa {
  let nfa = built.get(spec);
  if (!nfa) built.set(spec, (nfa = build(spec)));
  return nfa;
}

interface DraftEdge {
  action: Action;
  target: Draft;
  when: Predicate;
}
interface Draft {
  id: number;
  step: string;
  kind: StateKind;
  edges: DraftEdge[];
}

/** times(0, n) is an optional times(1, n), as Flink's Pattern.times rewrites it. */
function withoutZeroMinimum(spec: PatternSpec): PatternSpec {
  const steps = spec.steps.map((s) => (s.quantifier?.min === 0 ? { ...s, optional: true, quantifier: { ...s.quantifier, min: 1 } } : s));
  return { ...spec, steps };
}

function build(input: PatternSpec): Nfa {
  const spec = withoutZeroMinimum(input);
  const drafts: Draft[] = [];
  const stops = new Map<string, Draft>();
  const takes = spec.steps.map((s) => compileCondition(s.where));
  const takeOf = (i: number): Predicate => takes[i] ?? never(i);
  const stepAt = (i: number): StepSpec => spec.steps[i] ?? never(i);

  const state = (step: string, kind: StateKind): Draft => {
    const d: Draft = { id: drafts.length, step, kind, edges: [] };
    drafts.push(d);
    return d;
  };
  const edge = (from: Draft, action: Action, target: Draft, when: Predicate) => from.edges.push({ action, target, when });

  /** One stop state per negated step: every branch that sees the forbidden event dies there. */
  const stopFor = (i: number): Draft => {
    const name = stepAt(i).name;
    let stop = stops.get(name);
    if (!stop) {
      stop = state(name, "stop");
      edge(stop, "take", stop, takeOf(i));
      stops.set(name, stop);
    }
    return stop;
  };

  /**
   * A notFollowedBy before step i forbids its event until step i's first event; as in Flink's
   * getCurrentNotCondition, it reaches past optional steps in between (they may be skipped).
   */
  const negationsBefore = (i: number): number[] => {
    const found: number[] = [];
    for (let j = i - 1; j >= 0; j--) {
      const prev = stepAt(j);
      if (prev.contiguity === "notFollowedBy") found.push(j);
      else if (!prev.optional) break;
    }
    return found;
  };
  const addStopStates = (i: number, d: Draft) => {
    for (const j of negationsBefore(i)) edge(d, "proceed", stopFor(j), takeOf(j));
  };
  /**
   * Flink's copyWithoutTransitiveNots: once an optional step takes its event, the negations before
   * it no longer apply to the steps after it. Its take goes to a copy of the sink without their
   * stop edges; skipping the step (proceed) keeps the original, where they still apply.
   */
  const withoutNegationsBefore = (i: number, sink: Draft): Draft => {
    const nots = new Set(negationsBefore(i).map((j) => stepAt(j).name));
    if (nots.size === 0 || !stepAt(i).optional) return sink;
    const copies = new Map<Draft, Draft>();
    const copy = (d: Draft): Draft => {
      if (d.kind === "final" || d.kind === "stop") return d;
      const known = copies.get(d);
      if (known) return known;
      const c = state(d.step, d.kind);
      copies.set(d, c);
      for (const e of d.edges) {
        if (e.action === "proceed" && e.target.kind === "stop" && nots.has(e.target.step)) continue;
        edge(c, e.action, e.action === "proceed" ? copy(e.target) : e.target === d ? c : e.target, e.when);
      }
      return c;
    };
    return copy(sink);
  };
  /** Inside a quantified step i, a notFollowedBy right after it forbids its event between repetitions too. */
  const addStopStateToLooping = (i: number, d: Draft) => {
    if (spec.steps[i + 1]?.contiguity === "notFollowedBy") edge(d, "proceed", stopFor(i + 1), takeOf(i + 1));
  };
  /** Greedy: the next step may only start on events the quantified step would not take itself. */
  const greedyUpdate = (d: Draft, take: Predicate) => {
    for (const e of d.edges) e.when = both(e.when, negate(take));
  };

  const singleton = (
    i: number,
    sink: Draft,
    proceedTo: Draft | null,
    take: Predicate,
    ignore: Predicate | null,
    optional: boolean,
  ): Draft => {
    const step = stepAt(i);
    const d = state(step.name, "normal");
    const taken = withoutNegationsBefore(i, sink);
    edge(d, "take", taken, take);
    // Greedy works through the next step's conditions (greedyUpdate), so skipping stays always
    // possible: on the last step every prefix is still a match, as in Flink.
    if (optional && proceedTo) edge(d, "proceed", proceedTo, always);
    if (ignore) {
      if (optional) {
        // A separate ignoring state, so that once an event was skipped the step is no longer optional-by-proceed.
        const ignoring = state(step.name, "normal");
        edge(ignoring, "take", taken, take);
        edge(ignoring, "ignore", ignoring, ignore);
        addStopStates(i, ignoring);
        edge(d, "ignore", ignoring, ignore);
      } else {
        edge(d, "ignore", d, ignore);
      }
    }
    return d;
  };

  const looping = (i: number, sink: Draft): Draft => {
    const step = stepAt(i);
    const take = takeOf(i);
    const ignore = ignoreOf(step.loop_contiguity, take);
    const loop = state(step.name, "normal");
    edge(loop, "proceed", sink, always);
    if (step.greedy) greedyUpdate(sink, take);
    edge(loop, "take", loop, take);
    addStopStateToLooping(i, loop);
    if (ignore) {
      const ignoring = state(step.name, "normal");
      edge(ignoring, "take", loop, take);
      edge(ignoring, "ignore", ignoring, ignore);
      edge(loop, "ignore", ignoring, ignore);
      addStopStateToLooping(i, ignoring);
    }
    return loop;
  };

  const times = (i: number, sink: Draft, proceedTo: Draft, from: number, to: number): Draft => {
    const step = stepAt(i);
    const take = takeOf(i);
    const inner = ignoreOf(step.loop_contiguity, take);
    if (step.greedy && from !== to) greedyUpdate(sink, take);
    let last = sink;
    for (let k = from; k < to; k++) {
      last = singleton(i, last, proceedTo, take, inner, true);
      addStopStateToLooping(i, last);
    }
    for (let k = 0; k < from - 1; k++) {
      last = singleton(i, last, null, take, inner, false);
      addStopStateToLooping(i, last);
    }
    return singleton(i, last, proceedTo, take, ignoreOf(step.contiguity, take), step.optional);
  };

  const convert = (i: number, sink: Draft): Draft => {
    const step = stepAt(i);
    let first: Draft;
    if (step.quantifier && step.quantifier.max === undefined) {
      first = times(i, looping(i, sink), sink, step.quantifier.min, step.quantifier.min);
    } else if (step.quantifier) {
      first = times(i, sink, sink, step.quantifier.min, step.quantifier.max ?? step.quantifier.min);
    } else {
      first = singleton(i, sink, sink, takeOf(i), ignoreOf(step.contiguity, takeOf(i)), step.optional);
    }
    addStopStates(i, first);
    return first;
  };

  const final = state("$end$", "final");
  let sink = final;
  for (let i = spec.steps.length - 1; i > 0; i--) {
    const step = stepAt(i);
    if (step.contiguity === "notFollowedBy") {
      // In the middle a notFollowedBy is only stop edges on its neighbours; at the end it is a pending state.
      if (sink === final) {
        const pending = state(step.name, "pending");
        edge(pending, "proceed", stopFor(i), takeOf(i));
        edge(pending, "ignore", pending, negate(takeOf(i)));
        sink = pending;
      }
    } else if (step.contiguity === "notNext") {
      const guard = state(step.name, "normal");
      // Into the final state by ignore, not proceed: the match must wait for the next event to know it is not forbidden.
      edge(guard, sink === final ? "ignore" : "proceed", sink, negate(takeOf(i)));
      edge(guard, "proceed", stopFor(i), takeOf(i));
      sink = guard;
    } else {
      sink = convert(i, sink);
    }
  }
  const start = convert(0, sink);
  start.kind = "start";

  const stepWindow = new Map(spec.steps.flatMap((s) => (s.within_ms === undefined ? [] : [[s.name, s.within_ms] as const])));
  // Readonly by type, not frozen: JavaScriptCore keeps frozen arrays in a slow representation,
  // and these are read for every partial match and event.
  const states: NfaState[] = drafts.map((d) => ({
    id: d.id,
    step: d.step,
    kind: d.kind,
    edges: d.edges.map((e) => ({ action: e.action, target: e.target.id, when: e.when })),
    iterative: readsMatch(d),
    withinMs: d.kind === "stop" || d.kind === "final" ? null : (stepWindow.get(d.step) ?? null),
  }));
  return Object.freeze({
    patternId: spec.id,
    states,
    start: start.id,
    withinMs: spec.within_ms ?? null,
    stepWindows: stepWindow.size > 0,
    skip: spec.skip,
    maxPartialMatches: spec.max_partial_matches ?? null,
    fingerprint: createHash("sha256").update(JSON.stringify({ v: COMPILER_VERSION, spec: input })).digest("hex").slice(0, 16),
  });
}

/**
 * Whether a condition the engine may evaluate for a partial match in this state reads the match:
 * on its edges, on the states its proceed edges reach, or on the proceed edges after a take
 * (which decide whether the take completes a match at once).
 */
function readsMatch(from: Draft): boolean {
  const proceedsRead = (d: Draft, onlyProceed: boolean, seen: Set<Draft>): boolean => {
    if (seen.has(d)) return false;
    seen.add(d);
    return d.edges.some((e) => {
      if (onlyProceed && e.action !== "proceed") return false;
      if (e.when.iterative) return true;
      if (e.action === "proceed") return proceedsRead(e.target, onlyProceed, seen);
      return e.action === "take" && proceedsRead(e.target, true, new Set());
    });
  };
  return proceedsRead(from, false, new Set());
}

/** How a step tolerates events it does not take: next = none, followedBy = non-matching ones, followedByAny = all. */
function ignoreOf(contiguity: Contiguity | LoopContiguity, take: Predicate): Predicate | null {
  switch (contiguity) {
    case "followedBy":
      return negate(take);
    case "followedByAny":
      return always;
    default:
      return null;
  }
}

function never(i: number): never {
  throw new Error(`internal: step ${i} out of range`);
}
