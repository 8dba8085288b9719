/**
 * Field paths into an envelope ("user_id", "props.country", "props.a.b"): checked when a spec is
 * validated, so a typo fails the rule load instead of silently grouping everything under null.
 */
import { z } from "zod";
import { envelopeSchema, type Envelope } from "../envelope.ts";

const ENVELOPE_FIELDS: readonly string[] = Object.keys(envelopeSchema.shape);
const PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

export function pathProblem(path: string): string | null {
  if (!PATH.test(path)) return `"${path}" is not a field path: expected dotted names such as props.amount`;
  const [root] = path.split(".");
  if (root === undefined || !ENVELOPE_FIELDS.includes(root))
    return `unknown field "${root}": expected one of ${ENVELOPE_FIELDS.join(", ")} (payload fields are props.<name>)`;
  if (root === "props" && path === "props") return "props needs a field: props.<name>";
  if (root !== "props" && path.includes(".")) return `"${root}" has no sub-fields; only props.<path> does`;
  return null;
}

export const fieldPathSchema = z.string().superRefine((p, ctx) => {
  const problem = pathProblem(p);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export type FieldReader = (e: Envelope) => unknown;

/** Own properties only, so a payload key like "constructor" or "__proto__" never reaches a prototype. */
export function fieldReader(path: string): FieldReader {
  const parts = path.split(".");
  return (e) => {
    let at: unknown = e;
    for (const part of parts) {
      if (typeof at !== "object" || at === null || !Object.hasOwn(at, part)) return undefined;
      at = (at as Record<string, unknown>)[part];
    }
    return at;
  };
}
