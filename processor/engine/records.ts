/**
 * The engine's state as flat records (name -> JSON text), the unit the state backend stores and
 * deletes. Names are stable and say whose state a record is:
 *   e                     the partition's event-time progress, per app
 *   r:<rule>              which rule version (state fingerprint) the rule's records belong to
 *   w:<rule>:m:<app>      a window rule's operator meta (watermark) for one app; w:<rule>:m in
 *                         records saved before event time was kept per app (one for all apps)
 *   w:<rule>:g:<group>    a window rule's open windows of one group key
 *   p:<rule>:k:<key>      a pattern rule's NFA state for one key (its head: partial matches)
 *   p:<rule>:v:<seq>:<key> one event buffered in that key's state
 *   p:<rule>:s:<seq>:<key> that key's partial matches that began at event <seq>
 * Rule ids never contain ':' (rules/language/rule.ts), so the rule part of a name is unambiguous.
 * Group keys are the JSON text of [app_id, ...] (processor/window/group-key.ts), so every record
 * but the rule's meta belongs to one app (`appOf`).
 */

export type Records = Record<string, string>;

/**
 * What changed since the last flush: write `put`, delete `del`. A Map, not an object: a batch puts
 * thousands of distinct names, and an object grown key by key costs several times a Map's insert.
 */
export interface RecordDelta {
  put: Map<string, string>;
  del: string[];
}

export const ENGINE_META = "e";
export const ruleMetaName = (ruleId: string): string => `r:${ruleId}`;
export const windowMetaName = (ruleId: string, appId: string): string => `w:${ruleId}:m:${appId}`;
/** The one operator meta of a window rule in records saved before event time was kept per app. */
export const legacyWindowMetaName = (ruleId: string): string => `w:${ruleId}:m`;
export const windowGroupPrefix = (ruleId: string): string => `w:${ruleId}:g:`;
export const patternKeyPrefix = (ruleId: string): string => `p:${ruleId}:k:`;
export const patternEventPrefix = (ruleId: string): string => `p:${ruleId}:v:`;
export const patternGroupPrefix = (ruleId: string): string => `p:${ruleId}:s:`;

/** The rule a record belongs to, or null for the engine's own. */
export function ruleOf(name: string): string | null {
  if (name === ENGINE_META) return null;
  const [, rule] = name.split(":", 3);
  return rule ?? null;
}

/**
 * The group key a rule's record belongs to (the JSON text of [app_id, ...]); null for the metas
 * (e, r:, w:<rule>:m) that belong to no one key.
 */
export function recordKeyOf(name: string): string | null {
  const parts = name.split(":");
  if (parts.length < 4 || parts[2] === "m") return null;
  // p:<rule>:v:<seq>:<key>, p:<rule>:s:<seq>:<key>: the key follows the sequence number.
  return parts.slice(parts[2] === "v" || parts[2] === "s" ? 4 : 3).join(":");
}

/**
 * The app a rule's record belongs to: the first value of its group key, or the suffix of a
 * window meta; null for the rule's own meta (r:, legacy w:<rule>:m) and the engine's.
 */
export function appOf(name: string): string | null {
  const parts = name.split(":");
  if (parts.length >= 4 && parts[2] === "m") return parts.slice(3).join(":");
  const key = recordKeyOf(name);
  return key === null ? null : appOfKey(key);
}

function appOfKey(key: string): string | null {
  try {
    const first = (JSON.parse(key) as unknown[])[0];
    return typeof first === "string" ? first : null;
  } catch {
    return null;
  }
}

export interface RuleMeta {
  kind: "window" | "pattern";
  fingerprint: string;
}

export const emptyDelta = (): RecordDelta => ({ put: new Map(), del: [] });

/** Folds `next` into `into` (which it updates and returns): later writes and deletes win. O(size of `next` + deletes of `into`). */
export function mergeDelta(into: RecordDelta, next: RecordDelta): RecordDelta {
  for (const name of next.del) into.put.delete(name);
  let del = into.del.length === 0 ? into.del : into.del.filter((name) => !next.put.has(name));
  if (next.del.length > 0) del = del.length === 0 ? [...new Set(next.del)] : [...new Set([...del, ...next.del])];
  for (const [name, text] of next.put) into.put.set(name, text);
  into.del = del;
  return into;
}
