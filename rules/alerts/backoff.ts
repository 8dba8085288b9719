/** Webhook retry delays: infra/backoff.ts with full jitter and the delivery defaults (0.5 s doubling to 60 s). */
import { backoffDelay as delay } from "../../infra/backoff.ts";

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
}

/** Delay before retry number `attempt` (1 = the first retry). */
export const backoffDelay = (attempt: number, o: BackoffOptions = {}): number =>
  delay(attempt, { baseMs: o.baseMs ?? 500, maxMs: o.maxMs ?? 60_000, jitter: "full" }, o.random);
