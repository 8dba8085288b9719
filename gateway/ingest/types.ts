/**
 * The contract between the protocol fronts (gateway/http, gateway/ws, gateway/grpc) and the one
 * ingest pipeline behind them: auth -> limits -> schema check -> enrich -> produce -> ack.
 * Data problems are results, not exceptions: each front maps them onto its own status codes.
 */
import type { Source } from "../../schemas/envelope.ts";

/** Who is sending: resolved from an API key, cached. */
export interface Principal {
  keyId: string;
  appId: string;
}

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: "missing" | "invalid" | "revoked"; message: string };

export interface FieldError {
  /** Path into the submitted event, e.g. `props.amount` or `ts`. */
  path: string;
  /** The rule broken, e.g. "expected number, got string". */
  message: string;
}

export type RejectCode = "invalid" | "unknown_type" | "too_large" | "app_mismatch" | "rate_limited";

export type EventResult =
  | { index: number; status: "accepted"; event_id: string }
  | { index: number; status: "rejected"; code: RejectCode; errors: FieldError[] };

/** The outcome of one submission (one HTTP request, one WebSocket frame, one gRPC batch). */
export type SubmitOutcome =
  /** Every accepted event is acknowledged by Kafka (acks=all); rejected ones say why. */
  | { kind: "done"; results: EventResult[] }
  /** The whole submission is over the app's or key's rate: nothing was published. */
  | { kind: "rate_limited"; retryAfterMs: number; limit: number; remaining: number; resetMs: number }
  /**
   * More events than the app's or key's burst: no wait ever lets it through, so it is refused
   * (HTTP 413) rather than told to retry; `burst` is the most one submission may hold.
   */
  | { kind: "over_burst"; burst: number; message: string }
  /** Kafka is unreachable or the in-flight bound is hit: nothing of it is acknowledged. */
  | { kind: "unavailable"; retryAfterMs: number; message: string };

export interface Ingest {
  /** `fresh`: bypass the key cache (the re-check of open streams' keys). */
  authenticate(apiKey: string | undefined, opts?: { fresh?: boolean }): Promise<AuthResult>;
  /**
   * `traceparent`: the caller's W3C trace context, carried to Kafka as the records' `traceparent`
   * header; a new trace is started when it is absent or malformed.
   */
  submit(principal: Principal, events: unknown[], source: Source, traceparent?: string): Promise<SubmitOutcome>;
  /** True while events can be acknowledged (publisher connected, below the in-flight bound). */
  isReady(): boolean;
}
