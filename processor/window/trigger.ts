/**
 * When a window is emitted and when it is forgotten, in event time. With watermark W, a window
 * [start, end) is closed once W >= end (nothing on time can reach it any more) and expired once
 * W >= end + allowed lateness (its state is dropped; later events go to the late output).
 */
import type { WindowSpec } from "../../schemas/spec/window.ts";

export const isClosed = (end: number, watermark: number | null): boolean => watermark !== null && end <= watermark;

export const isExpired = (end: number, allowedLatenessMs: number, watermark: number | null): boolean =>
  watermark !== null && end + allowedLatenessMs <= watermark;

/** A changed window is emitted at once when the trigger asks for every update, or when it is already closed (a correction). */
export const emitsOnChange = (spec: WindowSpec, end: number, watermark: number | null): boolean =>
  spec.trigger === "update" || isClosed(end, watermark);

/** The next watermark at which this window needs attention: its close, or else its expiry. */
export const nextTimer = (end: number, allowedLatenessMs: number, watermark: number | null): number =>
  isClosed(end, watermark) ? end + allowedLatenessMs : end;
