/**
 * Postgres access for alert delivery: the alerts table (a sink), the per-attempt delivery records
 * and the webhook jobs. Jobs make webhook delivery durable without holding up the consumer: a job
 * is written before the fg.alerts offset is committed, so a crash loses nothing, and its primary
 * key (alert, sink) makes a replayed alert a no-op.
 */
import type { Sql } from "postgres";
import type { Alert } from "../../../schemas/alert.ts";
import type { AttemptRecord } from "../sinks/webhook.ts";
import { ensureAlertTables } from "./tables.ts";

export interface WebhookJob {
  alert_id: string;
  sink: string;
  body: string;
  attempts: number;
  last_error: string | null;
  updated_at: Date;
}

export interface AlertStore {
  init(): Promise<void>;
  insertAlerts(alerts: readonly Alert[]): Promise<void>;
  /** Creates the jobs that do not exist yet; returns those created (the ones to run). */
  addJobs(jobs: readonly { alertId: string; sink: string; body: string }[]): Promise<{ alert_id: string; sink: string; body: string }[]>;
  recordAttempt(a: AttemptRecord): Promise<void>;
  finishJob(alertId: string, sink: string, outcome: { delivered: boolean; attempts: number; error?: string }): Promise<void>;
  pendingJobs(): Promise<WebhookJob[]>;
  deadLetters(sink?: string): Promise<WebhookJob[]>;
  /** Moves dead letters back to pending and returns them, for a replay. */
  reviveDeadLetters(sink?: string): Promise<WebhookJob[]>;
  attempts(alertId: string, sink: string): Promise<AttemptRecord[]>;
}

export function createAlertStore(sql: Sql, schema = "fluxgate"): AlertStore {
  const s = sql(schema);
  return {
    init: () => ensureAlertTables(sql, schema),

    async insertAlerts(alerts) {
      if (alerts.length === 0) return;
      const rows = alerts.map((a) => ({
        id: a.id, rule_id: a.rule_id, rule_version: a.rule_version, severity: a.severity, group_key: a.group_key,
        app_id: a.app_id, ts: new Date(a.ts), payload: a as never,
      }));
      await sql`insert into ${s}.alerts ${sql(rows)} on conflict (id) do nothing`;
    },

    async addJobs(jobs) {
      if (jobs.length === 0) return [];
      const rows = jobs.map((j) => ({ alert_id: j.alertId, sink: j.sink, body: j.body, state: "pending" }));
      return sql<{ alert_id: string; sink: string; body: string }[]>`
        insert into ${s}.alert_webhook_jobs ${sql(rows)} on conflict (alert_id, sink) do nothing returning alert_id, sink, body`;
    },

    async recordAttempt(a) {
      await sql`insert into ${s}.alert_deliveries (alert_id, sink, attempt, status, http_status, error, duration_ms)
        values (${a.alertId}, ${a.sink}, ${a.attempt}, ${a.status}, ${a.httpStatus}, ${a.error}, ${Math.round(a.durationMs)})`;
    },

    async finishJob(alertId, sink, outcome) {
      await sql`update ${s}.alert_webhook_jobs
        set state = ${outcome.delivered ? "delivered" : "dead"}, attempts = attempts + ${outcome.attempts},
            last_error = ${outcome.error ?? null}, updated_at = now()
        where alert_id = ${alertId} and sink = ${sink}`;
    },

    pendingJobs: () => sql<WebhookJob[]>`
      select alert_id, sink, body, attempts, last_error, updated_at from ${s}.alert_webhook_jobs where state = 'pending' order by created_at`,

    deadLetters: (sink) => sql<WebhookJob[]>`
      select alert_id, sink, body, attempts, last_error, updated_at from ${s}.alert_webhook_jobs
      where state = 'dead' ${sink ? sql`and sink = ${sink}` : sql``} order by updated_at`,

    reviveDeadLetters: (sink) => sql<WebhookJob[]>`
      update ${s}.alert_webhook_jobs set state = 'pending', updated_at = now()
      where state = 'dead' ${sink ? sql`and sink = ${sink}` : sql``}
      returning alert_id, sink, body, attempts, last_error, updated_at`,

    async attempts(alertId, sink) {
      const rows = await sql<{ attempt: number; status: AttemptRecord["status"]; http_status: number | null; error: string | null; duration_ms: number }[]>`
        select attempt, status, http_status, error, duration_ms from ${s}.alert_deliveries
        where alert_id = ${alertId} and sink = ${sink} order by id`;
      return rows.map((r) => ({ alertId, sink, attempt: r.attempt, status: r.status, httpStatus: r.http_status, error: r.error, durationMs: r.duration_ms }));
    },
  };
}
