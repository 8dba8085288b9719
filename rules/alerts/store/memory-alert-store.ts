/**
 * The alert store on embedded defaults: the Postgres store's job semantics (one job per alert and
 * sink, attempts recorded, dead letters revivable) held in memory. There is no alerts table to
 * fill: without Postgres, alerts live on fg.alerts (the in-process log) and the live feed. A
 * restart forgets pending webhook jobs, which is why Postgres is the store for production.
 *
 * Bounded, so a process that runs for days does not grow with every alert it delivered: a
 * delivered job keeps only its key (so a redelivered fg.alerts batch is not delivered twice), and
 * only the newest `maxDelivered` of those; attempts keep the newest `maxAttempts`. Pending and dead
 * jobs are all kept (they are work to do, or to revive). `fluxgate_alert_memory_jobs{state}` shows it.
 */
import { gauge } from "../../../infra/telemetry/metrics.ts";
import type { AttemptRecord } from "../sinks/webhook.ts";
import type { AlertStore, WebhookJob } from "./alert-store.ts";

type JobState = WebhookJob & { state: "pending" | "delivered" | "dead" };

const jobsHeld = gauge("alert_memory_jobs", "Webhook jobs the in-memory alert store holds (embedded defaults), by state", ["state"]);

export function createMemoryAlertStore(o: { maxDelivered?: number; maxAttempts?: number } = {}): AlertStore {
  const maxDelivered = o.maxDelivered ?? 100_000;
  const maxAttempts = o.maxAttempts ?? 10_000;
  const jobs = new Map<string, JobState>();
  const delivered: string[] = []; // keys, oldest first
  let attempts: AttemptRecord[] = [];
  const report = () => {
    const by = { pending: 0, delivered: 0, dead: 0 };
    for (const j of jobs.values()) by[j.state]++;
    for (const [state, n] of Object.entries(by)) jobsHeld.set({ state }, n);
  };
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
      report();
      return created;
    },
    async recordAttempt(a) {
      attempts.push({ ...a, durationMs: Math.round(a.durationMs) });
      if (attempts.length > 2 * maxAttempts) attempts = attempts.slice(-maxAttempts);
    },
    async finishJob(alertId, sink, outcome) {
      const job = jobs.get(jobKey(alertId, sink));
      if (!job) return;
      Object.assign(job, { state: outcome.delivered ? "delivered" : "dead", attempts: job.attempts + outcome.attempts, last_error: outcome.error ?? null, updated_at: new Date() });
      if (outcome.delivered) {
        job.body = ""; // delivered: only the key matters now, for dedup
        delivered.push(jobKey(alertId, sink));
        while (delivered.length > maxDelivered) jobs.delete(delivered.shift()!);
      }
      report();
    },
    pendingJobs: async () => inState("pending").map(view),
    deadLetters: async (sink) => inState("dead", sink).map(view),
    async reviveDeadLetters(sink) {
      const dead = inState("dead", sink);
      for (const job of dead) Object.assign(job, { state: "pending", updated_at: new Date() });
      return dead.map(view);
    },
    attempts: async (alertId, sink) => attempts.slice(-maxAttempts).filter((a) => a.alertId === alertId && a.sink === sink),
  };
}
