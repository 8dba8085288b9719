/**
 * Retry delays, exponential from baseMs and capped at maxMs, with jitter so that many retrying
 * clients spread out: "full" (anywhere from 0 to the cap: webhook deliveries, where a recovering
 * endpoint should not be hit by all of them at once) or "equal" (between half the cap and the cap:
 * consumers, whose retries should never drop to zero). Randomness is injected so tests can pin it.
 */
export interface Backoff {
  baseMs: number;
  maxMs: number;
  jitter: "full" | "equal";
}

/** Delay before retry number `attempt` (1 = the first retry). */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const cap = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
  return b.jitter === "full" ? Math.floor(random() * cap) : Math.round(cap / 2 + random() * (cap / 2));
}
