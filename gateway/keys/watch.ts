/**
 * Keys of open streams, checked again at every key-cache refresh (FG_GATEWAY_KEY_CACHE_TTL_MS):
 * a WebSocket or gRPC stream authenticated once at its start would otherwise keep working after
 * its key is revoked. Each sweep asks the key store once per distinct key (bypassing the cache),
 * so a revocation reaches open streams within one refresh period, as it reaches new requests.
 * A store that cannot be asked keeps streams open: nothing is known against their keys.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { AuthResult } from "../ingest/types.ts";

export type Refusal = Extract<AuthResult, { ok: false }>;

export interface KeyWatch {
  /** Calls `onRefused` (once) when the key stops authenticating; returns the function that stops watching. */
  watch(secret: string, onRefused: (refusal: Refusal) => void): () => void;
  /** Checks every watched key now (the timer does this every interval). */
  sweep(): Promise<void>;
  stop(): void;
}

export function createKeyWatch(o: { authenticate: (secret: string, opts: { fresh: true }) => Promise<AuthResult>; intervalMs: number; logger?: Logger }): KeyWatch {
  const watchers = new Map<string, Set<(r: Refusal) => void>>();
  let timer: ReturnType<typeof setInterval> | undefined;
  async function sweep() {
    await Promise.all([...watchers.keys()].map(async (secret) => {
      const auth = await o.authenticate(secret, { fresh: true }).catch((err: unknown) => {
        o.logger?.warn("open streams: API key check failed; streams stay open", { err });
        return null;
      });
      if (!auth || auth.ok) return;
      const refused = watchers.get(secret);
      watchers.delete(secret);
      for (const onRefused of refused ?? []) onRefused(auth);
    }));
  }
  return {
    watch(secret, onRefused) {
      if (!watchers.has(secret)) watchers.set(secret, new Set());
      watchers.get(secret)!.add(onRefused);
      timer ??= setInterval(() => void sweep(), o.intervalMs);
      timer.unref?.();
      return () => {
        const set = watchers.get(secret);
        set?.delete(onRefused);
        if (set?.size === 0) watchers.delete(secret);
      };
    },
    sweep,
    stop() {
      clearInterval(timer);
      timer = undefined;
      watchers.clear();
    },
  };
}
