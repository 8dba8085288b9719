/**
 * Turns zod issues into messages a rule author can act on: which field, what was expected, what
 * was found. Unions are the hard part: zod reports every branch, so we keep the branch the input
 * was evidently meant for (the one that got past the type check) and report only its issues.
 */
import type { z } from "zod";

export interface PathIssue {
  path: (string | number)[];
  message: string;
  /** Point at the key itself (an unknown or misspelt key), not at its value. */
  atKey: boolean;
}

type Issue = z.core.$ZodIssue;

const typeMismatch = (i: Issue, depth: number) => i.code === "invalid_type" && i.path.length === depth;

/** A branch's issues were about the input's type alone (this branch was not the one meant). */
function score(branch: Issue[], depth: number): number {
  if (branch.every((i) => typeMismatch(i, depth) || (i.code === "invalid_value" && i.path.length === depth))) return 0;
  return 1 + Math.max(...branch.map((i) => i.path.length));
}

function describeValue(input: unknown): string {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "an object";
  return JSON.stringify(input);
}

export function flattenIssues(issues: readonly Issue[], prefix: (string | number)[] = []): PathIssue[] {
  const out: PathIssue[] = [];
  // A refinement of an object that also has unknown keys only repeats the problem less precisely.
  const unknownAt = new Set(issues.filter((i) => i.code === "unrecognized_keys").map((i) => JSON.stringify(i.path)));
  for (const issue of issues) {
    if (issue.code === "custom" && unknownAt.has(JSON.stringify(issue.path))) continue;
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === "invalid_union" && issue.errors.length === 0) {
      // A discriminated union whose discriminator matched no option: zod says which were expected.
      // zod reports the whole object as input; the value at fault is its discriminator.
      const key = issue.path.at(-1);
      const input = issue.input;
      const got = typeof input === "object" && input !== null && key !== undefined && key in input ? (input as Record<PropertyKey, unknown>)[key] : input;
      out.push({ path, atKey: false, message: `${issue.message}, got ${describeValue(got)}` });
      continue;
    }
    if (issue.code === "invalid_union") {
      const depth = 0;
      const ranked = issue.errors.map((b) => ({ b, s: score(b as Issue[], depth) })).sort((x, y) => y.s - x.s);
      const best = ranked[0]!;
      if (best.s > 0 && ranked.filter((r) => r.s === best.s).length === 1) {
        out.push(...flattenIssues(best.b as Issue[], path));
      } else {
        const expected = [...new Set(issue.errors.flatMap((b) => (b as Issue[]).map(expectedOf)).filter(Boolean))];
        out.push({ path, atKey: false, message: `expected ${expected.join(" or ") || "a different value"}, got ${describeValue(issue.input)}` });
      }
      continue;
    }
    if (issue.code === "unrecognized_keys") {
      // One issue per key, each pointing at the key itself.
      for (const key of issue.keys) out.push({ path: [...path, key], atKey: true, message: `unknown key "${key}"` });
      continue;
    }
    out.push({ path, atKey: atKey(issue), message: messageOf(issue) });
  }
  return out;
}

function atKey(issue: Issue): boolean {
  return issue.code === "custom" && (issue.params as { atKey?: boolean } | undefined)?.atKey === true;
}

function expectedOf(issue: Issue): string {
  if (issue.code === "invalid_type") return issue.expected === "array" ? "a list" : issue.expected === "object" ? "an object" : `a ${issue.expected}`;
  if (issue.code === "invalid_value") return issue.values.map((v) => JSON.stringify(v)).join(" or ");
  if (issue.code === "invalid_format" && issue.format === "regex") return "a string in the right format";
  return "";
}

function messageOf(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `missing: expected ${expectedOf(issue)}`
        : `expected ${expectedOf(issue)}, got ${describeValue(issue.input)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(issue.input)}`;
    default:
      return issue.message;
  }
}
