/**
 * Rows in COPY's text format, built as one string per chunk: the cheapest way into Postgres
 * from JS (no per-row protocol messages, no parameter binding).
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { tabJson, tabText } from "../runtime/tab-separated.ts";
import { hourStart } from "./partitions.ts";

/**
 * jsonb refuses the NUL character, which JSON.stringify writes as \u0000; the warm tier keeps a
 * replacement character instead (the archive keeps the original).
 */
export function copyJson(value: unknown): string {
  const json = JSON.stringify(value);
  return tabJson(json.includes("\\u0000") ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd") : json);
}

/** Column order of the events table (see migrations.ts). */
export const eventColumns = ["event_id", "app_id", "type", "ts", "ts_hour", "received_at", "key", "user_id", "session_id", "source", "props"] as const;

const iso = (ms: number) => new Date(ms).toISOString();

export function eventCopyLine(e: Envelope): string {
  return `${tabText(e.event_id)}\t${tabText(e.app_id)}\t${tabText(e.type)}\t${iso(e.ts)}\t${iso(hourStart(e.ts))}\t${iso(e.received_at)}\t${tabText(e.key)}\t${tabText(e.user_id)}\t${tabText(e.session_id)}\t${tabText(e.source)}\t${copyJson(e.props)}\n`;
}
