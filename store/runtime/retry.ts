/**
 * Writes one batch until it is durable or the sink gives up on it. Permanent errors give up at
 * once; transient ones after the attempt budget; an unreachable tier is retried without limit
 * (see unavailable.ts). A stop aborts the waiting so shutdown never hangs on a dead tier: the
 * batch is then neither written nor dead-lettered, and Kafka redelivers it.
 */
import { SinkError } from "../sink.ts";
import { backoffDelay, type BackoffPolicy } from "./backoff.ts";
import { SinkUnavailableError, isNetworkError } from "./unavailable.ts";

export interface RetryPolicy extends BackoffPolicy {
  maxAttempts: number;
}

export type WriteOutcome = { ok: true } | { ok: false; permanent: boolean; error: string };

export class WriteAbortedError extends Error {
  override name = "WriteAbortedError";
}

export interface RetryHooks {
  onRetry(kind: "unavailable" | "transient", err: unknown, delayMs: number): void;
  /** Resolves when the caller stops; ends a backoff wait early. */
  aborted: Promise<void>;
  isAborted(): boolean;
  random?: () => number;
}

export async function writeWithRetry(write: () => Promise<void>, policy: RetryPolicy, hooks: RetryHooks): Promise<WriteOutcome> {
  let counted = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return { ok: true };
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      if (err instanceof SinkError && err.permanent) return { ok: false, permanent: true, error: message };
      // Sinks that only say "transient" still count as unavailable when the cause was the network.
      const unavailable = err instanceof SinkUnavailableError || isNetworkError(err);
      if (!unavailable && ++counted >= policy.maxAttempts) return { ok: false, permanent: false, error: message };
      const delay = backoffDelay(attempt, policy, hooks.random);
      hooks.onRetry(unavailable ? "unavailable" : "transient", err, delay);
      await Promise.race([Bun.sleep(delay), hooks.aborted]);
      if (hooks.isAborted()) throw new WriteAbortedError(`write aborted by stop after ${attempt} attempt(s): ${message}`);
    }
  }
}
