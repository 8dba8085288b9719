/**
 * A rule source over a directory of rule files, for a laptop or a GitOps checkout: watched with
 * fs.watch and reloaded after a quiet period (editors write files in several steps, and a
 * half-saved file must not cost a reload failure). The set's version is a hash of its rules.
 */
import { watch, type FSWatcher } from "node:fs";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { readRuleTexts } from "../set/files.ts";
import { createRuleSetHolder, type RuleSource } from "../set/holder.ts";
import { contentVersion, validateRuleTexts } from "../set/rule-set.ts";

export interface DirectorySourceOptions {
  path: string;
  debounceMs?: number;
  logger?: Logger;
}

export function createDirectoryRuleSource(options: DirectorySourceOptions): RuleSource {
  const holder = createRuleSetHolder((msg, problems) => options.logger?.error(msg, { source: options.path, problems }));
  let watcher: FSWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const reload = () => {
    let texts;
    try {
      texts = readRuleTexts(options.path);
    } catch (err) {
      options.logger?.error("rules directory unreadable; keeping the running set", { source: options.path, err });
      return;
    }
    // The version names the content, so a refused set is reported under the version it would have had.
    const valid = validateRuleTexts(texts);
    const version = valid.ok ? contentVersion(valid.rules.map((r) => r.compiled)) : `invalid-${Date.now()}`;
    const result = holder.offer(version, texts);
    if (result.ok) options.logger?.info("rule set loaded", { source: options.path, version, rules: result.ruleSet.rules.length });
  };

  return {
    onRuleSet: holder.onRuleSet,
    status: holder.status,
    async start() {
      reload();
      watcher = watch(options.path, { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(reload, options.debounceMs ?? 300);
      });
    },
    async stop() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
