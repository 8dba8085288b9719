/**
 * Field paths of the rule language (`type`, `props.amount`): shared by filters (filter.ts) and
 * `expr` (expression.ts), which each parse the other's forms, so they live apart from both. The
 * aggregates a `ref` may name are the condition language's own (schemas/condition/condition.ts).
 */

export const ENVELOPE_FIELDS = ["event_id", "app_id", "type", "ts", "received_at", "key", "user_id", "session_id", "props", "source"] as const;
const PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** Why a path is not one we can read, or null: catches typos such as `tpye` at validation time. */
export function pathProblem(path: string): string | null {
  if (!PATH.test(path)) return `"${path}" is not a field path: expected dotted names such as props.amount`;
  const root = path.split(".")[0] as string;
  if (!(ENVELOPE_FIELDS as readonly string[]).includes(root))
    return `unknown field "${root}": expected one of ${ENVELOPE_FIELDS.join(", ")} (payload fields are props.<name>)`;
  if (root !== "props" && path.includes(".")) return `"${root}" has no sub-fields; only props.<path> does`;
  return null;
}
