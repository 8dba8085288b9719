/**
 * A small in-memory Ingest for the protocol tests of gateway/ws and gateway/grpc: real sockets and
 * clients, fake pipeline. It follows the Ingest contract (per-event results, outcomes for rate limit
 * and outage) so the fronts' mapping onto frames and status codes can be checked without Kafka.
 */
import { randomUUID } from "node:crypto";
import type { EventResult, Ingest, Principal, SubmitOutcome } from "../../../gateway/ingest/types.ts";

export interface FakeIngest extends Ingest {
  /** Accepted events, in the order the fake acknowledged them. */
  published: { principal: Principal; event: Record<string, unknown>; event_id: string }[];
  /** Submissions begun, finished or not: shows how many a front lets into the pipeline at once. */
  started: number;
  /** Overrides the next outcomes (rate limit, outage); undefined = judge each event. */
  outcome?: () => SubmitOutcome | undefined;
  /** Milliseconds a submission takes; a function to vary it (and so the completion order). */
  delayMs: number | (() => number);
  /** While set, submissions wait for it: lets a test hold frames in flight. */
  gate?: Promise<void>;
  ready: boolean;
  /** Keys revoked since: they authenticate as `revoked`. */
  revoked: Set<string>;
}

export const FAKE_KEYS: Record<string, Principal> = {
  "key-a": { keyId: "ka", appId: "app_a" },
  "key-b": { keyId: "kb", appId: "app_b" },
};

export function createFakeIngest(): FakeIngest {
  const fake: FakeIngest = {
    published: [],
    started: 0,
    delayMs: 0,
    ready: true,
    revoked: new Set(),
    async authenticate(apiKey) {
      if (apiKey === "key-store-down") throw new Error("key store unreachable");
      if (!apiKey) return { ok: false, reason: "missing", message: "no API key" };
      if (fake.revoked.has(apiKey)) return { ok: false, reason: "revoked", message: "the API key was revoked" };
      const principal = FAKE_KEYS[apiKey];
      return principal ? { ok: true, principal } : { ok: false, reason: "invalid", message: "unknown API key" };
    },
    isReady: () => fake.ready,
    async submit(principal, events) {
      fake.started++;
      const delay = typeof fake.delayMs === "function" ? fake.delayMs() : fake.delayMs;
      if (delay > 0) await Bun.sleep(delay);
      if (fake.gate) await fake.gate;
      const forced = fake.outcome?.();
      if (forced) return forced;
      const results: EventResult[] = events.map((raw, index) => {
        const e = raw as Record<string, unknown>;
        if (typeof e !== "object" || e === null || typeof e.type !== "string")
          return { index, status: "rejected", code: "invalid", errors: [{ path: "type", message: "required" }] };
        if (e.app_id !== principal.appId)
          return { index, status: "rejected", code: "app_mismatch", errors: [{ path: "app_id", message: `key is for ${principal.appId}` }] };
        const event_id = typeof e.event_id === "string" ? e.event_id : randomUUID();
        fake.published.push({ principal, event: e, event_id });
        return { index, status: "accepted", event_id };
      });
      return { kind: "done", results };
    },
  };
  return fake;
}
