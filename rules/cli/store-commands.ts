/**
 * The rule-store commands: push, list, history, rollback. Each change is validated as a whole set
 * by the store, then the new revision is published on the compacted rules topic, which is what
 * makes every processor switch to it. Publishing again is harmless (processors ignore a revision
 * they already run), so a push that stored but could not publish is fixed by pushing again.
 */
import postgres from "postgres";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import { rulesTopic, type RulesEnv } from "../config.ts";
import { formatProblem } from "../language/parse.ts";
import { readRuleTexts } from "../set/files.ts";
import { createRuleStore, type ChangeResult, type RuleStore } from "../sources/postgres-store.ts";
import { publishRuleSet } from "../sources/topic.ts";
import { UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";

export async function withStore<T>(env: RulesEnv, run: (store: RuleStore) => Promise<T>): Promise<T> {
  if (!env.FG_POSTGRES_URL) throw new UsageError("FG_POSTGRES_URL is not set: the rule store lives in Postgres");
  const sql = postgres(env.FG_POSTGRES_URL, { max: 2, onnotice: () => {} });
  try {
    const store = createRuleStore(sql, env.FG_RULES_SCHEMA ?? "fluxgate");
    await store.init();
    return await run(store);
  } finally {
    await sql.end();
  }
}

async function distribute(env: RulesEnv, result: ChangeResult, io: CliIo): Promise<number> {
  if (!result.ok) {
    for (const p of result.problems) io.err(formatProblem(p));
    io.err("refused: the rule set would not validate as a whole; the running set is unchanged");
    return 1;
  }
  for (const c of result.changed) io.out(`${c.id}: now version ${c.version}`);
  if (result.changed.length === 0) io.out("no rule changed");
  if (!env.FG_KAFKA_BROKERS) {
    io.err(`revision ${result.revision} stored, NOT distributed: FG_KAFKA_BROKERS is not set`);
    return 1;
  }
  const bus = createKafkaBus({ brokers: env.FG_KAFKA_BROKERS, clientId: `${env.FG_KAFKA_CLIENT_ID}-rules-cli` });
  try {
    await publishRuleSet(bus, rulesTopic(env.FG_TOPIC_PREFIX), result.ruleSet);
  } finally {
    await bus.close();
  }
  io.out(`rule set revision ${result.revision} published (${result.ruleSet.rules.length} rules)`);
  return 0;
}

export async function pushCommand(path: string, flags: Map<string, string>, env: RulesEnv, io: CliIo): Promise<number> {
  const texts = readRuleTexts(path);
  const meta = { author: flags.get("author") ?? process.env.USER ?? "unknown", comment: flags.get("comment") ?? "" };
  const result = await withStore(env, (store) => store.push(texts, meta));
  return distribute(env, result, io);
}

export async function rollbackCommand(id: string, version: string, flags: Map<string, string>, env: RulesEnv, io: CliIo): Promise<number> {
  const v = Number(version);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`version must be a positive integer, got ${JSON.stringify(version)}`);
  const meta = { author: flags.get("author") ?? process.env.USER ?? "unknown", comment: flags.get("comment") ?? "" };
  const result = await withStore(env, (store) => store.rollback(id, v, meta));
  return distribute(env, result, io);
}

export async function listCommand(env: RulesEnv, io: CliIo): Promise<number> {
  const rows = await withStore(env, (store) => store.list());
  for (const r of rows)
    io.out(`${r.id}  v${r.version}${r.version === r.latest_version ? "" : ` (latest v${r.latest_version})`}  ${r.author}  ${r.updated_at.toISOString()}  ${r.description}`);
  io.out(`${rows.length} rule${rows.length === 1 ? "" : "s"}`);
  return 0;
}

export async function historyCommand(id: string, env: RulesEnv, io: CliIo): Promise<number> {
  const [versions, switches] = await withStore(env, (store) => Promise.all([store.history(id), store.switches(id)]));
  if (versions.length === 0) {
    io.err(`no rule ${id}`);
    return 1;
  }
  for (const r of versions)
    io.out(`${r.current ? "*" : " "} v${r.version}  ${r.created_at.toISOString()}  ${r.author}  ${r.definition_hash}  ${r.comment}`);
  io.out("made current:");
  for (const r of switches)
    io.out(`  revision ${r.revision}  ${r.created_at.toISOString()}  ${r.author}  ${r.previous === null ? "" : `v${r.previous} -> `}v${r.version}  ${r.comment}`);
  return 0;
}
