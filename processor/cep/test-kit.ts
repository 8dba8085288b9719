/**
 * Shared by the CEP unit tests: envelopes from a few fields, and a driver that feeds a stream the
 * way the processor does (advance to each event's time, then process it).
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { advanceTime, compilePattern, createKeyState, processEvent, type KeyState, type Match, type Nfa, type PatternSpecInput, type StepResult, type TimedOut } from "./index.ts";

let counter = 0;

/** An event named `name` (props.name), type from its leading letters: "a1" is of type "a". */
export function ev(name: string, ts: number, props: Record<string, unknown> = {}, extra: Partial<Envelope> = {}): Envelope {
  counter++;
  return {
    event_id: `${name}@${ts}#${counter}`,
    app_id: "test",
    type: name.replace(/[^a-z]/g, "") || "event",
    ts,
    received_at: ts,
    key: "k1",
    props: { name, ...props },
    source: "http",
    ...extra,
  };
}

export function nfaOf(spec: PatternSpecInput): Nfa {
  const compiled = compilePattern(spec);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.nfa;
}

export interface Run {
  state: KeyState;
  matches: Match[];
  timeouts: TimedOut[];
  evicted: number;
}

/** Feeds events (advanceTime to each ts, then process); a number in the input only advances time. */
export function feed(nfa: Nfa, input: readonly (Envelope | number)[], from: KeyState = createKeyState(nfa, "k1")): Run {
  const run: Run = { state: from, matches: [], timeouts: [], evicted: 0 };
  const take = (r: StepResult) => {
    run.state = r.state;
    run.matches.push(...r.matches);
    run.timeouts.push(...r.timeouts);
    run.evicted += r.evicted;
  };
  for (const item of input) {
    if (typeof item === "number") {
      take(advanceTime(nfa, run.state, item));
    } else {
      take(advanceTime(nfa, run.state, item.ts));
      take(processEvent(nfa, run.state, item));
    }
  }
  return run;
}

/** Each match as its event names in take order, the list sorted: order-free comparison, multiplicity kept. */
export function names(matches: readonly Match[]): string[] {
  return matches
    .map((m) =>
      Object.values(m.events)
        .flat()
        .toSorted((a, b) => a.ts - b.ts)
        .map((e) => String(e.props.name))
        .join(" "),
    )
    .sort();
}
