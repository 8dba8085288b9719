/**
 * One submission's per-event results folded into the ack shape both streaming fronts send
 * (WebSocket ack frames and gRPC Acks): a count, the event ids by index (null where rejected),
 * and the rejections with their field errors.
 */
import type { EventResult, FieldError, RejectCode } from "../ingest/types.ts";

export interface Rejection {
  index: number;
  code: RejectCode;
  errors: FieldError[];
}

export interface AckSummary {
  accepted: number;
  event_ids: (string | null)[];
  rejected: Rejection[];
}

export function summarizeResults(results: EventResult[]): AckSummary {
  const event_ids: (string | null)[] = [];
  const rejected: Rejection[] = [];
  for (const r of results) {
    if (r.status === "accepted") event_ids[r.index] = r.event_id;
    else {
      event_ids[r.index] = null;
      rejected.push({ index: r.index, code: r.code, errors: r.errors });
    }
  }
  return { accepted: results.length - rejected.length, event_ids, rejected };
}
