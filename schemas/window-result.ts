/**
 * What the operator emits. A result's id depends only on (rule, group key, window start), so a
 * correction or a replay replaces the earlier row instead of adding one; `revision` grows with
 * every emission under an id and tells a sink which one is newest. Field names follow the
 * envelope's (snake_case) since these records travel on fg.windows.
 */
import type { Envelope } from "./envelope.ts";
import { numberText, type Json } from "./json.ts";

/** A window's bounds, half-open [start, end), ms of event time. */
export interface Interval {
  start: number;
  end: number;
}

export interface WindowResult {
  kind: "result";
  /** `${rule_id}|${group_key}|${window_start}` */
  id: string;
  rule_id: string;
  group_key: string;
  /** The group_by fields and their values. */
  group: Record<string, Json>;
  window_start: number;
  window_end: number;
  /** 1 for the first emission of this id, higher for each update or correction. */
  revision: number;
  /** The watermark had passed the window's end: nothing on time can change it any more. */
  closed: boolean;
  /** Aggregate values by aggregate name. */
  values: Record<string, Json>;
}

/** A session result that an event merged into another session (with another start, so another id): it no longer exists. */
export interface WindowRetraction {
  kind: "retraction";
  id: string;
  rule_id: string;
  group_key: string;
  window_start: number;
  window_end: number;
  /** Higher than the revision of any result emitted under this id. */
  revision: number;
  /** Id of the session it became part of. */
  merged_into: string;
}

/**
 * An event too late for some or all of its windows (their end + allowed lateness <= watermark), or
 * for a pattern rule (its ts behind the watermark: `missed` is empty).
 */
export interface LateEvent {
  kind: "late";
  rule_id: string;
  group_key: string;
  event: Envelope;
  watermark: number;
  /** The windows it missed; for hopping windows, it still counted in the others. None for a pattern. */
  missed: Interval[];
}

/** A record on fg.windows (keyed `rule_id:group_key`): a result, or a retraction of a merged session. */
export type WindowRecord = WindowResult | WindowRetraction;

export type WindowOutput = WindowResult | WindowRetraction | LateEvent;

/** Window starts are safe integers: numberText writes them as a template literal would, a few times faster (schemas/json.ts). */
export const resultId = (ruleId: string, groupKey: string, windowStart: number): string => `${ruleId}|${groupKey}|${numberText(windowStart)}`;
