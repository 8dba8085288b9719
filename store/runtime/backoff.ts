/** The store's retry delays: infra/backoff.ts with equal jitter, so a retry never comes at once. */
import { backoffDelay as delay } from "../../infra/backoff.ts";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const backoffDelay = (attempt: number, policy: BackoffPolicy, random?: () => number): number =>
  delay(attempt, { ...policy, jitter: "equal" }, random);
