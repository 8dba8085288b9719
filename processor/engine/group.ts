/**
 * Group keys shared by window and pattern rules: the JSON text of [app_id, group field value]
 * (just [app_id] when the rule groups by app_id), as processor/window builds them. Events
 * without the group field are not the rule's (rules/language/rule.ts: they are skipped).
 */
import type { CompiledRule } from "../../rules/compile/rule.ts";
import type { Condition } from "../../schemas/condition/condition.ts";
import { windowGroupBy } from "../../rules/compile/window.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { compileCondition } from "../../schemas/condition/predicate.ts";
import { fieldReader } from "../../schemas/condition/field-path.ts";
import { groupKeyOf } from "../window/group-key.ts";

export interface GroupIdentity {
  appId: string;
  /** The group field's value as alerts show it. */
  groupKey: string;
}

/** One reader per group field, shared by every rule that groups by it: see groupKeyReader. */
const keyReaders = new Map<string, (e: Envelope) => string | null>();

/**
 * Returns the group key of an event, or null when the event lacks the group field. The rules of a
 * partition mostly group by the same field and see each event one after the other, so the reader
 * (one per field) remembers the last event's key: the key text is built once per event, and every
 * rule's state map is looked up with the same string. Only for a scalar value read again from the
 * same event of the same app, so a mutated or different event never gets a stale key.
 */
export function groupKeyReader(groupBy: string): (e: Envelope) => string | null {
  const shared = keyReaders.get(groupBy);
  if (shared) return shared;
  const readers = windowGroupBy(groupBy).map(fieldReader);
  const own = readers.at(-1)!;
  let lastEvent: Envelope | null = null;
  let lastApp: unknown;
  let lastValue: unknown;
  let lastKey = "";
  const read = (e: Envelope): string | null => {
    const v = own(e);
    if (v === undefined || v === null) return null;
    if (e === lastEvent && v === lastValue && e.app_id === lastApp && typeof v !== "object") return lastKey;
    lastKey = groupKeyOf(readers, e);
    lastEvent = e;
    lastApp = e.app_id;
    lastValue = v;
    return lastKey;
  };
  keyReaders.set(groupBy, read);
  return read;
}

/**
 * The event types a filter can take, or null when it may take any: read off `type` equalities and
 * lists under `and` / `or`. The engine hands an event only to the rules whose filter can take its
 * type; each rule still evaluates its whole filter.
 */
export function eventTypesOf(c: Condition): ReadonlySet<string> | null {
  if ("and" in c) {
    // Every part must hold: the types all constrained parts allow.
    const constrained = c.and.map(eventTypesOf).filter((t): t is ReadonlySet<string> => t !== null);
    if (constrained.length === 0) return null;
    const [first, ...rest] = constrained as [ReadonlySet<string>, ...ReadonlySet<string>[]];
    return new Set([...first].filter((x) => rest.every((t) => t.has(x))));
  }
  if ("or" in c) {
    const types = new Set<string>();
    for (const part of c.or) {
      const t = eventTypesOf(part);
      if (t === null) return null;
      for (const x of t) types.add(x);
    }
    return types;
  }
  if ("field" in c && c.field === "type" && "value" in c) {
    // An envelope's type is a string (schemas/envelope.ts): other values never equal it.
    if (c.op === "eq") return new Set(typeof c.value === "string" ? [c.value] : []);
    if (c.op === "in") return new Set(Array.isArray(c.value) ? c.value.filter((x): x is string => typeof x === "string") : []);
  }
  return null;
}

export function identityOf(key: string): GroupIdentity {
  const values = JSON.parse(key) as unknown[];
  return { appId: String(values[0]), groupKey: String(values.at(-1)) };
}

const noMatchView = { eventsOf: () => [] };

/**
 * Which events a rule takes and under which group key: its filter (app scope included) and its
 * group field. One definition for the rule runners and the repartition step, so both agree.
 */
export function ruleSelector(rule: Pick<CompiledRule, "filter" | "groupBy">): (e: Envelope) => string | null {
  const accepts = compileCondition(rule.filter);
  const keyOf = groupKeyReader(rule.groupBy);
  return (e) => (accepts(e, noMatchView) ? keyOf(e) : null);
}
