/**
 * Group keys shared by window and pattern rules: the JSON text of [app_id, group field value]
 * (just [app_id] when the rule groups by app_id), as processor/window builds them. Events
 * without the group field are not the rule's (rules/language/rule.ts: they are skipped).
 */
import type { CompiledRule } from "../../rules/compile/rule.ts";
import { windowGroupBy } from "../../rules/compile/window.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { compileCondition } from "../cep/predicate.ts";
import { fieldReader } from "../window/field.ts";
import { groupKeyOf } from "../window/group-key.ts";

export interface GroupIdentity {
  appId: string;
  /** The group field's value as alerts show it. */
  groupKey: string;
}

/** Returns the group key of an event, or null when the event lacks the group field. */
export function groupKeyReader(groupBy: string): (e: Envelope) => string | null {
  const readers = windowGroupBy(groupBy).map(fieldReader);
  const own = readers.at(-1)!;
  return (e) => {
    const v = own(e);
    return v === undefined || v === null ? null : groupKeyOf(readers, e);
  };
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
