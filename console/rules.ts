/**
 * The rules side of the console, through the rule store's own interface: the rules and their
 * history (rules/sources/postgres-store.ts, on one small pool opened at first use and kept, so a
 * page does not pay a connection and the store's DDL check per request), a diff between two
 * versions, and rollback by the very function `fluxgate rules rollback` runs (validate the whole
 * set, store the revision, publish it to every processor). Without a rule store (embedded
 * defaults, rules from a directory) only what the processors run is shown.
 */
import { createTwoFilesPatch } from "diff";
import postgres from "postgres";
import { stringify } from "yaml";
import { rollbackCommand } from "../rules/cli/store-commands.ts";
import type { RulesEnv } from "../rules/config.ts";
import { createRuleStore, type RuleStore } from "../rules/sources/postgres-store.ts";

export class NoRuleStore extends Error {
  constructor() {
    super("no rule store: FG_POSTGRES_URL is not set (rules come from FG_RULES_DIR)");
  }
}

export interface RuleVersionView {
  version: number;
  current: boolean;
  author: string;
  comment: string;
  createdAt: string;
  hash: string;
  yaml: string;
}

export interface RulesView {
  store: boolean;
  rules: { id: string; version: number; latest: number; author: string; updatedAt: string; description: string }[];
}

export interface RollbackResult {
  ok: boolean;
  code: number;
  output: string[];
}

export interface ConsoleRules {
  list(): Promise<RulesView>;
  history(id: string): Promise<{ versions: RuleVersionView[]; switches: { revision: number; version: number; previous: number | null; author: string; comment: string; at: string }[] }>;
  diff(id: string, from: number, to: number): Promise<string | null>;
  rollback(id: string, version: number, meta: { author: string; comment: string }): Promise<RollbackResult>;
  close(): Promise<void>;
}

export function createConsoleRules(env: RulesEnv): ConsoleRules {
  let sql: postgres.Sql | undefined;
  let opened: Promise<RuleStore> | undefined;
  const store = async <T>(run: (s: RuleStore) => Promise<T>): Promise<T> => {
    if (!env.FG_POSTGRES_URL) throw new NoRuleStore();
    opened ??= (async () => {
      sql = postgres(env.FG_POSTGRES_URL!, { max: 2, onnotice: () => {} });
      const s = createRuleStore(sql, env.FG_RULES_SCHEMA ?? "fluxgate");
      await s.init();
      return s;
    })().catch((e) => {
      opened = undefined; // the next request tries again
      throw e;
    });
    return run(await opened);
  };
  const history: ConsoleRules["history"] = async (id) => {
    const [versions, switches] = await store((s) => Promise.all([s.history(id), s.switches(id)]));
    return {
      versions: versions.map((v) => ({
        version: v.version, current: v.current, author: v.author, comment: v.comment,
        createdAt: v.created_at.toISOString(), hash: v.definition_hash, yaml: stringify(v.body),
      })),
      switches: switches.map((s) => ({ revision: s.revision, version: s.version, previous: s.previous, author: s.author, comment: s.comment, at: s.created_at.toISOString() })),
    };
  };
  return {
    async list() {
      if (!env.FG_POSTGRES_URL) return { store: false, rules: [] };
      const rows = await store((s) => s.list());
      return {
        store: true,
        rules: rows.map((r) => ({ id: r.id, version: r.version, latest: r.latest_version, author: r.author, updatedAt: r.updated_at.toISOString(), description: r.description })),
      };
    },
    history,
    async diff(id, from, to) {
      const { versions } = await history(id);
      const a = versions.find((v) => v.version === from);
      const b = versions.find((v) => v.version === to);
      if (!a || !b) return null;
      return createTwoFilesPatch(`${id}@v${from}`, `${id}@v${to}`, a.yaml, b.yaml, "", "", { context: 3 });
    },
    async rollback(id, version, meta) {
      if (!env.FG_POSTGRES_URL) throw new NoRuleStore();
      const output: string[] = [];
      const flags = new Map([["author", meta.author], ["comment", meta.comment]]);
      const code = await rollbackCommand(id, String(version), flags, env, { out: (l) => output.push(l), err: (l) => output.push(l) });
      return { ok: code === 0, code, output };
    },
    async close() {
      await sql?.end();
    },
  };
}
