/**
 * Dead letters of webhook delivery: `rules dead-letters [--sink <name>]` lists them, and
 * `rules replay-dead-letters [--sink <name>]` delivers them again from this process (same
 * signing, retries and per-attempt records as the delivery service), e.g. once an endpoint is back.
 */
import postgres from "postgres";
import { createWebhookQueues } from "./delivery-service.ts";
import { createAlertStore, type AlertStore } from "./store/alert-store.ts";
import type { RulesEnv } from "../config.ts";
import { UsageError } from "../cli/args.ts";
import type { CliIo } from "../cli/io.ts";

async function withAlertStore<T>(env: RulesEnv, run: (store: AlertStore) => Promise<T>): Promise<T> {
  if (!env.FG_POSTGRES_URL) throw new UsageError("FG_POSTGRES_URL is not set: delivery records live in Postgres");
  const sql = postgres(env.FG_POSTGRES_URL, { max: 4, onnotice: () => {} });
  try {
    const store = createAlertStore(sql, env.FG_RULES_SCHEMA ?? "fluxgate");
    await store.init();
    return await run(store);
  } finally {
    await sql.end();
  }
}

const sinkOf = (flags: Map<string, string>) => {
  const name = flags.get("sink");
  return name === undefined ? undefined : name.startsWith("webhook:") ? name : `webhook:${name}`;
};

export async function deadLettersCommand(flags: Map<string, string>, env: RulesEnv, io: CliIo): Promise<number> {
  const jobs = await withAlertStore(env, (store) => store.deadLetters(sinkOf(flags)));
  for (const j of jobs) io.out(`${j.sink}  ${j.alert_id}  attempts ${j.attempts}  ${j.updated_at.toISOString()}  ${j.last_error ?? ""}`);
  io.out(`${jobs.length} dead letter${jobs.length === 1 ? "" : "s"}`);
  return 0;
}

export async function replayDeadLettersCommand(flags: Map<string, string>, env: RulesEnv, io: CliIo): Promise<number> {
  return withAlertStore(env, async (store) => {
    const jobs = await store.reviveDeadLetters(sinkOf(flags));
    const queues = createWebhookQueues({ store, webhooks: env.FG_RULES_WEBHOOKS ?? {} });
    await queues.enqueue(jobs);
    await queues.idle();
    const still = await store.deadLetters(sinkOf(flags));
    const failed = jobs.filter((j) => still.some((s) => s.alert_id === j.alert_id && s.sink === j.sink)).length;
    io.out(`replayed ${jobs.length} dead letter${jobs.length === 1 ? "" : "s"}: ${jobs.length - failed} delivered, ${failed} dead again`);
    return failed ? 1 : 0;
  });
}
