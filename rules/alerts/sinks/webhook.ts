/**
 * Delivers one alert to one webhook: POST of the alert JSON, signed, with a timeout per attempt,
 * retried with backoff on what may pass (network errors, timeouts, 408, 429, 5xx) and given up
 * at once on what will not (other 4xx). Every attempt is reported to `record`, so each one
 * leaves a delivery row; the result says whether it was delivered or is a dead letter.
 */
import type { WebhookSinkConfig } from "../../config.ts";
import { backoffDelay, type BackoffOptions } from "../backoff.ts";
import { SIGNATURE_HEADER, signBody } from "../sign.ts";

export interface AttemptRecord {
  alertId: string;
  sink: string;
  attempt: number;
  status: "ok" | "retry" | "dead";
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export type DeliveryOutcome = { delivered: true; attempts: number } | { delivered: false; attempts: number; error: string };

export interface WebhookDeliverer {
  /** `traceparent` (the alert's) goes out as the W3C header. */
  deliver(alert: { id: string; traceparent?: string }, body: string): Promise<DeliveryOutcome>;
}

export interface WebhookDelivererOptions {
  name: string;
  config: WebhookSinkConfig;
  record: (attempt: AttemptRecord) => Promise<void>;
  backoff?: BackoffOptions;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export function createWebhookDeliverer(options: WebhookDelivererOptions): WebhookDeliverer {
  const { config, name } = options;
  const sleep = options.sleep ?? Bun.sleep;
  const doFetch = options.fetch ?? fetch;
  return {
    async deliver(alert, body) {
      const signature = signBody(config.secret, body);
      let lastError = "";
      for (let attempt = 1; attempt <= config.max_attempts; attempt++) {
        const started = performance.now();
        let httpStatus: number | null = null;
        let permanent = false;
        try {
          const res = await doFetch(config.url, {
            method: "POST",
            body,
            headers: {
              "content-type": "application/json",
              [SIGNATURE_HEADER]: signature,
              "x-fluxgate-alert-id": alert.id,
              "x-fluxgate-delivery-attempt": String(attempt),
              // The trace of the event that caused the alert, so the receiver's spans join it.
              ...(alert.traceparent ? { traceparent: alert.traceparent } : {}),
            },
            signal: AbortSignal.timeout(config.timeout_ms),
          });
          httpStatus = res.status;
          await res.arrayBuffer().catch(() => {}); // frees the connection for reuse
          if (res.ok) {
            await options.record({ alertId: alert.id, sink: name, attempt, status: "ok", httpStatus, error: null, durationMs: performance.now() - started });
            return { delivered: true, attempts: attempt };
          }
          lastError = `HTTP ${res.status}`;
          permanent = !retryable(res.status);
        } catch (e) {
          lastError = (e as Error).name === "TimeoutError" ? `timed out after ${config.timeout_ms} ms` : (e as Error).message;
        }
        const last = permanent || attempt === config.max_attempts;
        await options.record({ alertId: alert.id, sink: name, attempt, status: last ? "dead" : "retry", httpStatus, error: lastError, durationMs: performance.now() - started });
        if (last) return { delivered: false, attempts: attempt, error: lastError };
        await sleep(backoffDelay(attempt, options.backoff));
      }
      return { delivered: false, attempts: config.max_attempts, error: lastError };
    },
  };
}
