/**
 * Group keys shared by window and pattern rules: the JSON text of [app_id, group field value]
 * (just [app_id] when the rule groups by app_id), as processor/window builds them. Events
 * without the group field are not the rule's (rules/language/rule.ts: they are skipped).
 */
import { windowGroupBy } from "../../rules/compile/window.ts";
import type { Envelope } from "../../schemas/envelope.ts";
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
