/**
 * Dead letters: the original record (key, value, headers) plus why and where it failed, so an
 * operator can fix the cause and put it back (e.g. with a console consumer) without guessing.
 */
import type { IncomingRecord, OutgoingRecord } from "../../infra/bus/port.ts";

export type DlqReason = "invalid" | "permanent" | "retries_exhausted";

export function deadLetter(record: IncomingRecord, sink: string, reason: DlqReason, error: string, now = Date.now()): OutgoingRecord {
  return {
    key: record.key ?? "",
    value: record.value,
    headers: {
      ...record.headers,
      "fg-dlq-sink": sink,
      "fg-dlq-reason": reason,
      "fg-dlq-error": error.slice(0, 2_000),
      "fg-dlq-source": `${record.topic}:${record.partition}:${record.offset}`,
      "fg-dlq-at": String(now),
    },
  };
}
