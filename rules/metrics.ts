/** The rules part's Prometheus metrics: rule-set reloads, and webhook delivery per sink. */
import { counter, histogram } from "../infra/telemetry/metrics.ts";

export const rulesMetrics = {
  ruleSets: counter("rules_sets_offered_total", "Rule sets offered to a source, by result: applied, or refused whole (the running set stays)", ["result"]),
  webhookAttempts: counter("alert_webhook_attempts_total", "Webhook delivery attempts by sink and outcome (ok, retry, dead)", ["sink", "status"]),
  webhookSeconds: histogram("alert_webhook_attempt_seconds", "Duration of one webhook delivery attempt", ["sink"]),
};
