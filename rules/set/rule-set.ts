/**
 * A rule set: the whole, validated collection of rules one processor runs, under one version.
 * Validation is all or nothing: one bad rule refuses the set, so a processor never runs half of
 * an edit. Sources (files, the Postgres store, the compacted topic) all end here.
 */
import { compileRule, type CompiledRule } from "../compile/rule.ts";
import { canonicalJson } from "../compile/fingerprint.ts";
import { formatPath, parseRuleText, type ParsedRule, type RuleProblem } from "../language/parse.ts";
import { createHash } from "node:crypto";

export interface RuleSet {
  /** The store's revision number, or a content hash for sets read from files. */
  version: string;
  rules: CompiledRule[];
}

export interface RuleText {
  file: string;
  text: string;
  /** Store version of the rule(s) in this text; files have none. */
  version?: number;
}

export interface ValidRule {
  parsed: ParsedRule;
  compiled: CompiledRule;
}

export type ValidationResult = { ok: true; rules: ValidRule[] } | { ok: false; problems: RuleProblem[] };

export function validateRuleTexts(texts: readonly RuleText[]): ValidationResult {
  const problems: RuleProblem[] = [];
  const rules: ValidRule[] = [];
  const seen = new Map<string, ParsedRule>();
  for (const t of texts) {
    const parsed = parseRuleText(t.text, t.file);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    for (const p of parsed.rules) {
      const at = { file: p.file, line: p.line, column: p.column };
      const first = seen.get(p.rule.id);
      if (first) {
        problems.push({ ...at, path: "id", message: `duplicate rule id "${p.rule.id}" (first defined at ${first.file}:${first.line}:${first.column})` });
        continue;
      }
      seen.set(p.rule.id, p);
      const compiled = compileRule(p.rule, t.version ?? 0);
      if (compiled.ok) rules.push({ parsed: p, compiled: compiled.rule });
      else problems.push({ ...at, path: formatPath(compiled.path), message: compiled.error });
    }
  }
  problems.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
  return problems.length ? { ok: false, problems } : { ok: true, rules };
}

/** Version of a set read from files: a hash of its rules, so an unchanged directory is the same version. */
export function contentVersion(rules: readonly CompiledRule[]): string {
  const ids = rules.map((r) => [r.id, r.definitionHash]).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1));
  return `sha-${createHash("sha256").update(canonicalJson(ids)).digest("hex").slice(0, 12)}`;
}

export function toRuleSet(version: string, rules: readonly ValidRule[]): RuleSet {
  return { version, rules: rules.map((r) => r.compiled) };
}
