/**
 * The records of fg.repartition. An event record carries one event for one rule, keyed
 * `rule|group key` so a group lands on one partition, with the source partition and offset it
 * came from (for dedup) and the source partition's watermark once it had read the event. A
 * marker record carries only a source's watermark: every source sends one to every partition per
 * batch, so a partition learns each source's progress even when no event of it comes its way.
 * An idle marker says a source has had no batch for a while (repartition/idle.ts): it carries the
 * source's watermark if it has one, and the offset up to which the source has processed.
 */
import type { IncomingRecord, OutgoingRecord } from "../../infra/bus/port.ts";

const H = {
  rule: "fg-rule",
  source: "fg-source-partition",
  offset: "fg-source-offset",
  watermark: "fg-source-watermark",
  idle: "fg-source-idle",
} as const;

export type Forwarded =
  | { kind: "event"; rule: string; source: number; offset: bigint; watermark: number; event: string }
  | { kind: "marker"; source: number; watermark: number }
  | { kind: "idle"; source: number; watermark: number | null; offset: bigint | null };

export function eventRecord(f: { rule: string; groupKey: string; source: number; offset: string; watermark: number; event: string | Uint8Array; traceparent?: string }): OutgoingRecord {
  const headers: Record<string, string> = { [H.rule]: f.rule, [H.source]: String(f.source), [H.offset]: f.offset, [H.watermark]: String(f.watermark) };
  if (f.traceparent) headers.traceparent = f.traceparent;
  return { key: `${f.rule}|${f.groupKey}`, value: f.event, headers };
}

export function markerRecord(key: string, source: number, watermark: number): OutgoingRecord {
  return { key, value: "", headers: { [H.source]: String(source), [H.watermark]: String(watermark) } };
}

export function idleRecord(key: string, source: number, watermark: number | null, offset: bigint | null): OutgoingRecord {
  const headers: Record<string, string> = { [H.source]: String(source), [H.idle]: "1" };
  if (watermark !== null) headers[H.watermark] = String(watermark);
  if (offset !== null) headers[H.offset] = String(offset);
  return { key, value: "", headers };
}

const integer = (text: string | undefined): number | null => {
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isSafeInteger(n) ? n : null;
};

export function decodeForwarded(r: IncomingRecord): { ok: true; record: Forwarded } | { ok: false; error: string } {
  const source = integer(r.headers[H.source]);
  const watermark = integer(r.headers[H.watermark]);
  if (r.headers[H.idle] !== undefined) {
    const offset = r.headers[H.offset];
    if (source === null || source < 0) return { ok: false, error: "idle marker without a source partition" };
    return { ok: true, record: { kind: "idle", source, watermark, offset: offset !== undefined && /^\d+$/.test(offset) ? BigInt(offset) : null } };
  }
  if (source === null || source < 0 || watermark === null) return { ok: false, error: "not a repartition record: source partition and watermark headers missing" };
  const rule = r.headers[H.rule];
  if (rule === undefined) return { ok: true, record: { kind: "marker", source, watermark } };
  const offset = r.headers[H.offset];
  if (offset === undefined || !/^\d+$/.test(offset)) return { ok: false, error: "repartition event without a source offset" };
  return { ok: true, record: { kind: "event", rule, source, offset: BigInt(offset), watermark, event: r.value.toString() } };
}
