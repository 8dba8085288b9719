/**
 * The engine's state as flat records (name -> JSON text), the unit the state backend stores and
 * deletes. Names are stable and say whose state a record is:
 *   e                     the partition's event-time progress
 *   r:<rule>              which rule version (state fingerprint) the rule's records belong to
 *   w:<rule>:m            a window rule's operator meta (watermark)
 *   w:<rule>:g:<group>    a window rule's open windows of one group key
 *   p:<rule>:k:<key>      a pattern rule's NFA state for one key (its head: partial matches)
 *   p:<rule>:v:<seq>:<key> one event buffered in that key's state
 * Rule ids never contain ':' (rules/language/rule.ts), so the rule part of a name is unambiguous.
 */

export type Records = Record<string, string>;

/** What changed since the last flush: write `put`, delete `del`. */
export interface RecordDelta {
  put: Records;
  del: string[];
}

export const ENGINE_META = "e";
export const ruleMetaName = (ruleId: string): string => `r:${ruleId}`;
export const windowMetaName = (ruleId: string): string => `w:${ruleId}:m`;
export const windowGroupPrefix = (ruleId: string): string => `w:${ruleId}:g:`;
export const patternKeyPrefix = (ruleId: string): string => `p:${ruleId}:k:`;
export const patternEventPrefix = (ruleId: string): string => `p:${ruleId}:v:`;

/** The rule a record belongs to, or null for the engine's own. */
export function ruleOf(name: string): string | null {
  if (name === ENGINE_META) return null;
  const [, rule] = name.split(":", 3);
  return rule ?? null;
}

export interface RuleMeta {
  kind: "window" | "pattern";
  fingerprint: string;
}

export const emptyDelta = (): RecordDelta => ({ put: {}, del: [] });

/** Folds `next` into `into`: later writes and deletes win. */
export function mergeDelta(into: RecordDelta, next: RecordDelta): RecordDelta {
  for (const name of next.del) delete into.put[name];
  const dels = new Set(into.del);
  for (const name of Object.keys(next.put)) dels.delete(name);
  for (const name of next.del) dels.add(name);
  return { put: Object.assign(into.put, next.put), del: [...dels] };
}
