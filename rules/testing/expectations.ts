/**
 * Expectations written beside rules, which `rules test` checks: a `<file>.expect.yaml` next to a
 * rule file, or an `expect:` block inside a rule. Each names the events file it is about (or is
 * checked against whatever --events gives) and lists exactly the alerts that must go out: every
 * entry must match one distinct alert, and no other alert of the rules it covers may appear.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Alert } from "../../schemas/alert.ts";
import { flattenIssues } from "../language/issues.ts";
import { formatPath } from "../language/parse.ts";
import { expectSchema, type ExpectedAlert } from "../language/rule.ts";
import type { ValidRule } from "../set/rule-set.ts";

export interface Expectation {
  /** Where it was written, for messages. */
  source: string;
  /** Absolute path of its events file, if it names one. */
  events?: string;
  until?: number;
  /** Rules whose alerts it accounts for. */
  rules: string[];
  alerts: (ExpectedAlert & { rule: string })[];
}

export type CollectResult = { ok: true; expectations: Expectation[] } | { ok: false; problems: string[] };

export const expectFileOf = (ruleFile: string): string => ruleFile.replace(/\.(ya?ml|json)$/, ".expect.yaml");

export function collectExpectations(rules: readonly ValidRule[]): CollectResult {
  const expectations: Expectation[] = [];
  const problems: string[] = [];
  const byFile = Map.groupBy(rules, (r) => r.parsed.file);
  for (const [file, inFile] of byFile) {
    const ids = inFile.map((r) => r.parsed.rule.id);
    for (const r of inFile) {
      const e = r.parsed.rule.expect;
      if (!e) continue;
      const id = r.parsed.rule.id;
      expectations.push({
        source: `${file}:${r.parsed.line} (${id})`,
        ...(e.events !== undefined && { events: resolve(dirname(file), e.events) }),
        ...(e.until !== undefined && { until: e.until }),
        rules: [id],
        alerts: e.alerts.map((a) => ({ ...a, rule: a.rule ?? id })),
      });
    }
    const expectFile = expectFileOf(file);
    if (!existsSync(expectFile)) continue;
    const parsed = expectSchema.safeParse(parseYaml(readFileSync(expectFile, "utf8")));
    if (!parsed.success) {
      problems.push(...flattenIssues(parsed.error.issues).map((i) => `${expectFile}: ${formatPath(i.path)}: ${i.message}`));
      continue;
    }
    const unnamed = parsed.data.alerts.some((a) => a.rule === undefined);
    if (unnamed && ids.length !== 1) {
      problems.push(`${expectFile}: alerts must name their rule: ${file} holds ${ids.length} rules`);
      continue;
    }
    const alerts = parsed.data.alerts.map((a) => ({ ...a, rule: a.rule ?? (ids[0] as string) }));
    const unknown = alerts.find((a) => !ids.includes(a.rule));
    if (unknown) {
      problems.push(`${expectFile}: rule "${unknown.rule}" is not in ${file}`);
      continue;
    }
    expectations.push({
      source: expectFile,
      ...(parsed.data.events !== undefined && { events: resolve(dirname(expectFile), parsed.data.events) }),
      ...(parsed.data.until !== undefined && { until: parsed.data.until }),
      rules: [...new Set(alerts.map((a) => a.rule))],
      alerts,
    });
  }
  return problems.length ? { ok: false, problems } : { ok: true, expectations };
}

function matches(expected: ExpectedAlert & { rule: string }, alert: Alert): boolean {
  if (expected.rule !== alert.rule_id) return false;
  if (expected.group_key !== undefined && expected.group_key !== alert.group_key) return false;
  if (expected.app_id !== undefined && expected.app_id !== alert.app_id) return false;
  if (expected.at !== undefined && expected.at !== alert.ts) return false;
  if (expected.value !== undefined && expected.value !== alert.window?.value) return false;
  if (expected.events !== undefined) {
    const steps = alert.match?.steps ?? {};
    for (const [step, ids] of Object.entries(expected.events)) if (JSON.stringify(steps[step] ?? []) !== JSON.stringify(ids)) return false;
  }
  return true;
}

export interface CheckResult {
  ok: boolean;
  missing: ExpectedAlert[];
  unexpected: Alert[];
}

/** Each expected entry takes the first unclaimed alert it matches; what is left over on either side fails. */
export function checkExpectation(expectation: Expectation, sent: readonly Alert[]): CheckResult {
  const pool = sent.filter((a) => expectation.rules.includes(a.rule_id));
  const claimed = new Set<Alert>();
  const missing: ExpectedAlert[] = [];
  for (const expected of expectation.alerts) {
    const hit = pool.find((a) => !claimed.has(a) && matches(expected, a));
    if (hit) claimed.add(hit);
    else missing.push(expected);
  }
  const unexpected = pool.filter((a) => !claimed.has(a));
  return { ok: missing.length === 0 && unexpected.length === 0, missing, unexpected };
}
