/**
 * Retry delays: exponential with "full jitter" (a random delay between 0 and the exponential cap),
 * which spreads retries of many failed deliveries so a recovering endpoint is not hit by all of
 * them at once. Randomness is injected so tests can pin it.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
}

/** Delay before retry number `attempt` (1 = the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 60_000;
  const cap = Math.min(max, base * 2 ** (attempt - 1));
  return Math.floor((options.random ?? Math.random)() * cap);
}
