/** `fluxgate rules validate <path>`: checks every rule file under a path; exit 1 lists every problem. */
import { formatProblem } from "../language/parse.ts";
import { readRuleTexts } from "../set/files.ts";
import { validateRuleTexts, type ValidationResult } from "../set/rule-set.ts";
import type { CliIo } from "./io.ts";

export function loadAndValidate(path: string, io: CliIo): ValidationResult | null {
  let texts;
  try {
    texts = readRuleTexts(path);
  } catch (e) {
    io.err(`cannot read ${path}: ${(e as Error).message}`);
    return null;
  }
  if (texts.length === 0) {
    io.err(`${path}: no rule files (*.yaml, *.yml, *.json)`);
    return null;
  }
  const result = validateRuleTexts(texts);
  if (!result.ok) {
    for (const p of result.problems) io.err(formatProblem(p));
    io.err(`${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}: the rule set is refused as a whole`);
  }
  return result;
}

export function validateCommand(path: string, io: CliIo): number {
  const result = loadAndValidate(path, io);
  if (!result?.ok) return 1;
  for (const { compiled: r } of result.rules)
    io.out(`ok  ${r.id}  (${r.kind}, ${r.severity}, app ${r.app}${r.enabled ? "" : ", disabled"})  state ${r.stateFingerprint}`);
  io.out(`${result.rules.length} rule${result.rules.length === 1 ? "" : "s"} valid`);
  return 0;
}
