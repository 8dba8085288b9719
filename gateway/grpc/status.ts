/**
 * Submission outcomes as gRPC answers: an Ack for what was processed, a status with trailers for
 * what was refused whole (unary calls), or a refused Ack (Stream, which goes on after it).
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { SubmitOutcome } from "../ingest/types.ts";
import { summarizeResults } from "../ws/ack.ts";
import type { AckMessage } from "./proto.ts";

export type CallError = Pick<ServiceError, "code" | "details" | "metadata">;

export function callError(code: status, details: string, trailers: Record<string, string> = {}): CallError {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(trailers)) metadata.set(k, v);
  return { code, details, metadata };
}

// retry-after-ms is ours; grpc-retry-pushback-ms is the trailer gRPC's own retry policies obey.
const retryTrailers = (ms: number) => ({ "retry-after-ms": String(ms), "grpc-retry-pushback-ms": String(ms) });

export function ackOf(outcome: Extract<SubmitOutcome, { kind: "done" }>, seq = 0): AckMessage {
  const { accepted, event_ids, rejected } = summarizeResults(outcome.results);
  return { seq, accepted, event_ids: event_ids.map((id) => id ?? ""), rejected, refused: "REFUSAL_NONE", retry_after_ms: 0, message: "" };
}

/** For Send and SendBatch: the Ack, or the status that refuses the whole call. */
export function unaryAnswer(outcome: SubmitOutcome): { ack: AckMessage } | { error: CallError } {
  if (outcome.kind === "rate_limited")
    return { error: callError(status.RESOURCE_EXHAUSTED, `rate limited: retry in ${outcome.retryAfterMs} ms`, { ...retryTrailers(outcome.retryAfterMs), "ratelimit-limit": String(outcome.limit) }) };
  if (outcome.kind === "unavailable") return { error: callError(status.UNAVAILABLE, outcome.message, retryTrailers(outcome.retryAfterMs)) };
  // No wait lets it through: a request problem, not a retryable refusal.
  if (outcome.kind === "over_burst") return { error: callError(status.INVALID_ARGUMENT, outcome.message) };
  const rejections = outcome.results.filter((r) => r.status === "rejected");
  // A call whose every event names another app is a call for the wrong app, not bad data.
  if (rejections.length === outcome.results.length && rejections.every((r) => r.code === "app_mismatch"))
    return { error: callError(status.PERMISSION_DENIED, "the API key does not belong to the events' app_id") };
  return { ack: ackOf(outcome) };
}

/** For Stream: every outcome is an Ack; refused batches say why and when to retry. */
export function streamAnswer(outcome: SubmitOutcome, seq: number): AckMessage {
  if (outcome.kind === "done") return ackOf(outcome, seq);
  if (outcome.kind === "over_burst") return refusedAck(seq, "REFUSAL_INVALID", outcome.message);
  const refused = outcome.kind === "rate_limited" ? "REFUSAL_RATE_LIMITED" : "REFUSAL_UNAVAILABLE";
  const message = outcome.kind === "rate_limited" ? "rate limited" : outcome.message;
  return refusedAck(seq, refused, message, outcome.retryAfterMs);
}

export function refusedAck(seq: number, refused: AckMessage["refused"], message: string, retryAfterMs = 0): AckMessage {
  return { seq, accepted: 0, event_ids: [], rejected: [], refused, retry_after_ms: retryAfterMs, message };
}
