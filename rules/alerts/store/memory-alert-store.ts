/**
 * The alert store on embedded defaults: the Postgres store's job semantics (one job per alert and
 * sink, attempts recorded, dead letters revivable) held in memory. There is no alerts table to
 * fill: without Postgres, alerts live on fg.alerts (the in-process log) and the live feed. A
 * restart forgets pending webhook jobs, which is why Postgres is the store for production.
 */
import type { AttemptRecord } from "../sinks/webhook.ts";
import type { AlertStore, WebhookJob } from "./alert-store.ts";

type JobState = WebhookJob & { state: "pending" | "delivered" | "dead" };

export function createMemoryAlertStore(): AlertStore {
  const jobs = new Map<string, JobState>();
  const attempts: AttemptRecord[] = [];
  const jobKey = (alertId: string, sink: string) => `${alertId}\u0000${sink}`;
  const view = ({ state: _state, ...job }: JobState): WebhookJob => ({ ...job });
  const inState = (state: JobState["state"], sink?: string) =>
    [...jobs.values()].filter((j) => j.state === state && (sink === undefined || j.sink === sink));

  return {
    init: async () => {},
    insertAlerts: async () => {},
    async addJobs(list) {
      const created = [];
      for (const j of list) {
        const key = jobKey(j.alertId, j.sink);
        if (jobs.has(key)) continue;
        jobs.set(key, { alert_id: j.alertId, sink: j.sink, body: j.body, attempts: 0, last_error: null, updated_at: new Date(), state: "pending" });
        created.push({ alert_id: j.alertId, sink: j.sink, body: j.body });
      }
      return created;
    },
    async recordAttempt(a) {
      attempts.push({ ...a, durationMs: Math.round(a.durationMs) });
    },
    async finishJob(alertId, sink, outcome) {
      const job = jobs.get(jobKey(alertId, sink));
      if (!job) return;
      Object.assign(job, { state: outcome.delivered ? "delivered" : "dead", attempts: job.attempts + outcome.attempts, last_error: outcome.error ?? null, updated_at: new Date() });
    },
    pendingJobs: async () => inState("pending").map(view),
    deadLetters: async (sink) => inState("dead", sink).map(view),
    async reviveDeadLetters(sink) {
      const dead = inState("dead", sink);
      for (const job of dead) Object.assign(job, { state: "pending", updated_at: new Date() });
      return dead.map(view);
    },
    attempts: async (alertId, sink) => attempts.filter((a) => a.alertId === alertId && a.sink === sink),
  };
}
