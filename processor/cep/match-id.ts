/**
 * Deterministic match ids: the same events matched by the same pattern for the same key always get
 * the same id, so a match re-emitted after a crash and replay deduplicates downstream.
 */
import { createHash } from "node:crypto";

export function matchId(patternId: string, key: string, taken: readonly (readonly [string, string])[]): string {
  // JSON keeps the parts unambiguous however ids and step names are spelt.
  return createHash("sha256").update(JSON.stringify([patternId, key, taken])).digest("hex").slice(0, 32);
}
