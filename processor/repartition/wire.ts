/**
 * The records of fg.repartition. An event record carries one event for one rule, keyed
 * `rule|group key` so a group lands on one partition, with the source partition and offset it
 * came from (for dedup) and the source partition's watermark once it had read the event. A
 * marker record carries only a source's progress: its watermark over all its apps and, per app in
 * the batch, that app's (`fg-source-app-watermarks`, JSON), with the apps it has had no event of
 * for a while (`fg-source-idle-apps`, JSON); every source sends one to every partition per batch,
 * so a partition learns each source's progress even when no event of it comes its way. An event
 * record's watermark is its app's on the source (`fg-app` names the app).
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
  app: "fg-app",
  appWatermarks: "fg-source-app-watermarks",
  idleApps: "fg-source-idle-apps",
} as const;

export type Forwarded =
  | { kind: "event"; rule: string; source: number; offset: bigint; app: string; watermark: number; event: string }
  | { kind: "marker"; source: number; watermark: number; apps: Record<string, number>; idleApps: string[] }
  | { kind: "idle"; source: number; watermark: number | null; offset: bigint | null };

export function eventRecord(f: { rule: string; groupKey: string; source: number; offset: string; app: string; watermark: number; event: string | Uint8Array; traceparent?: string }): OutgoingRecord {
  const headers: Record<string, string> = { [H.rule]: f.rule, [H.source]: String(f.source), [H.offset]: f.offset, [H.app]: f.app, [H.watermark]: String(f.watermark) };
  if (f.traceparent) headers.traceparent = f.traceparent;
  return { key: `${f.rule}|${f.groupKey}`, value: f.event, headers };
}

export function markerRecord(key: string, source: number, watermark: number, apps: Record<string, number> = {}, idleApps: readonly string[] = []): OutgoingRecord {
  const headers: Record<string, string> = { [H.source]: String(source), [H.watermark]: String(watermark) };
  if (Object.keys(apps).length) headers[H.appWatermarks] = JSON.stringify(apps);
  if (idleApps.length) headers[H.idleApps] = JSON.stringify(idleApps);
  return { key, value: "", headers };
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
  if (rule === undefined) {
    const apps = json(r.headers[H.appWatermarks], {});
    const idleApps = json(r.headers[H.idleApps], []);
    const valid = apps !== null && typeof apps === "object" && !Array.isArray(apps) && Object.values(apps).every((w) => Number.isSafeInteger(w));
    if (!valid || !Array.isArray(idleApps) || !idleApps.every((a) => typeof a === "string")) return { ok: false, error: "marker with unreadable per-app watermarks" };
    return { ok: true, record: { kind: "marker", source, watermark, apps: apps as Record<string, number>, idleApps } };
  }
  const offset = r.headers[H.offset];
  if (offset === undefined || !/^\d+$/.test(offset)) return { ok: false, error: "repartition event without a source offset" };
  const event = r.value.toString();
  // Records forwarded before event time was kept per app name no app: it is the envelope's.
  const app = r.headers[H.app] ?? (json(event, {}) as { app_id?: unknown }).app_id;
  if (typeof app !== "string") return { ok: false, error: "repartition event without an app" };
  return { ok: true, record: { kind: "event", rule, source, offset: BigInt(offset), app, watermark, event } };
}

/** A header's JSON, `absent` when missing; null when unreadable. */
function json(text: string | undefined, absent: unknown): unknown {
  if (text === undefined) return absent;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
