/**
 * Reads rule files: YAML (one or several documents) or JSON, each document a single rule or a
 * `rules:` list. Every problem names the file, line and column and says what was expected, so an
 * author can fix a file without guessing; a file with any problem yields no rules at all.
 */
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { ruleProblems } from "./checks.ts";
import { flattenIssues, type PathIssue } from "./issues.ts";
import { locate } from "./positions.ts";
import { ruleListSchema, ruleSchema, type Rule } from "./rule.ts";

export interface RuleProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field at fault, e.g. `rules[0].window.hop`; empty for the document. */
  path: string;
  message: string;
}

export interface ParsedRule {
  rule: Rule;
  /** The rule as written (before defaults), which is what versions store. */
  body: unknown;
  file: string;
  line: number;
  column: number;
}

export type ParseResult = { ok: true; rules: ParsedRule[] } | { ok: false; problems: RuleProblem[] };

export const formatProblem = (p: RuleProblem): string => `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ""}${p.message}`;

export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : String(p)), "");
}

export function parseRuleText(text: string, file: string): ParseResult {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const problems: RuleProblem[] = [];
  const rules: ParsedRule[] = [];
  if (!Array.isArray(docs)) return { ok: false, problems: [{ file, line: 1, column: 1, path: "", message: "no rule found: the file is empty" }] };

  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        // prettyErrors is off, so linePos is never filled in: place the error by its offset, and an
        // error at the end of input (an unclosed bracket) on the last character written.
        const pos = e.linePos?.[0] ?? counter.linePos(Math.min(e.pos[0], Math.max(0, text.trimEnd().length - 1)));
        problems.push({ file, line: pos.line, column: pos.col, path: "", message: `not valid YAML/JSON: ${e.message.split("\n")[0]}` });
      }
      continue;
    }
    if (doc.contents === null) continue; // an empty document between `---` separators
    problems.push(...parseDocument(doc, counter, file, rules));
  }
  if (problems.length === 0 && rules.length === 0) problems.push({ file, line: 1, column: 1, path: "", message: "no rule found: expected a rule or `rules:` with a list of rules" });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return problems.length ? { ok: false, problems } : { ok: true, rules };
}

function parseDocument(doc: Document, counter: LineCounter, file: string, into: ParsedRule[]): RuleProblem[] {
  const input: unknown = doc.toJS({ maxAliasCount: 100 });
  const at = (issues: PathIssue[]): RuleProblem[] =>
    issues.map((i) => ({ file, ...locate(doc, counter, i.path, i.atKey), path: formatPath(i.path), message: i.message }));

  const listed = typeof input === "object" && input !== null && !Array.isArray(input) && "rules" in input;
  // Parse with the shape the document evidently has, so errors are not those of the other shape.
  const parsed = (listed ? ruleListSchema : ruleSchema).safeParse(input, { reportInput: true });
  if (!parsed.success) return at(flattenIssues(parsed.error.issues));
  const found = "rules" in parsed.data ? parsed.data.rules : [parsed.data as Rule];
  const bodies = listed ? (input as { rules: unknown[] }).rules : [input];
  const problems: RuleProblem[] = [];
  found.forEach((rule, i) => {
    const prefix = listed ? ["rules", i] : [];
    const ruleIssues = ruleProblems(rule).map((p) => ({ ...p, path: [...prefix, ...p.path] }));
    if (ruleIssues.length) problems.push(...at(ruleIssues));
    else into.push({ rule, body: bodies[i], file, ...locate(doc, counter, prefix) });
  });
  return problems;
}
