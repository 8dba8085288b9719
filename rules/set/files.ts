/**
 * Finds rule files under a path (a file, or a directory searched recursively): *.yaml, *.yml and
 * *.json, except test expectations (*.expect.yaml) and the format's JSON Schema.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { RuleText } from "./rule-set.ts";

const RULE_FILE = /\.(ya?ml|json)$/;
const NOT_RULES = /(\.expect\.(ya?ml|json)|\.schema\.json)$/;

export const isRuleFile = (name: string): boolean => RULE_FILE.test(name) && !NOT_RULES.test(name);

export function listRuleFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter(isRuleFile)
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}

/** Reads the files; names are reported relative to the working directory, as authors typed them. */
export function readRuleTexts(path: string, cwd = process.cwd()): RuleText[] {
  return listRuleFiles(path).map((file) => ({ file: relative(cwd, file) || file, text: readFileSync(file, "utf8") }));
}
