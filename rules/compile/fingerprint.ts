/**
 * Fingerprints of a compiled rule. The STATE fingerprint covers exactly what shapes the engine's
 * state: the app scope, the filter, the grouping and the window (without its threshold) or the
 * pattern. Changing any of those makes old state meaningless, so the processor drops the rule's
 * state and starts afresh; changing only the threshold, severity, description or alert settings
 * keeps the fingerprint and therefore the state (a threshold is evaluated on window results).
 * The DEFINITION hash covers everything, to tell whether a pushed rule is a new version at all.
 */
import { createHash } from "node:crypto";

const hash = (value: unknown): string => createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);

/** JSON with object keys sorted, so equal definitions hash equally however they were written. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export interface StateDefining {
  app: string;
  filter: unknown;
  groupBy: string;
  engine: unknown;
}

export const stateFingerprint = (parts: StateDefining): string => hash({ v: 1, ...parts });
export const definitionHash = (rule: unknown): string => hash(rule);
