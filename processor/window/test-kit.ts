/**
 * Shared by the window unit tests: envelopes from a few fields, specs with defaults applied, a
 * manual clock, and a driver that feeds events the way the processor does (process, then advance
 * the watermark).
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { createWindowOperator, type WindowOperator } from "./operator.ts";
import type { WindowOutput, WindowResult } from "../../schemas/window-result.ts";
import { windowSpecSchema, type WindowSpec, type WindowSpecInput } from "../../schemas/spec/window.ts";

export function ev(id: string, ts: number, props: Record<string, unknown> = {}, extra: Partial<Envelope> = {}): Envelope {
  return { event_id: id, app_id: "shop", type: "click", ts, received_at: ts, key: "k", props, source: "http", ...extra };
}

export const specOf = (input: Partial<WindowSpecInput> & Pick<WindowSpecInput, "kind">): WindowSpec =>
  windowSpecSchema.parse({ id: "r1", aggregates: [{ name: "n", op: "count" }], ...input });

export interface ManualClock {
  now: number;
  clock: () => number;
}

export function manualClock(): ManualClock {
  const c: ManualClock = { now: 0, clock: () => c.now };
  return c;
}

export const operatorOf = (spec: WindowSpec, idleTimeoutMs = 60_000): WindowOperator => createWindowOperator(spec, { clock: () => 0, idleTimeoutMs });

/** One step of a stream: an event (on partition "p0" unless given), or a watermark to move to. */
export type Step = Envelope | { partition: string; event: Envelope } | { watermark: number };

/** Feeds events with advanceWatermark after each; `{ watermark }` steps call onWatermark. */
export function drive(op: WindowOperator, steps: readonly Step[]): WindowOutput[] {
  const out: WindowOutput[] = [];
  for (const s of steps) {
    if ("watermark" in s) out.push(...op.onWatermark(s.watermark));
    else {
      const [event, partition] = "partition" in s ? [s.event, s.partition] : [s, "p0"];
      out.push(...op.process(event, partition), ...op.advanceWatermark());
    }
  }
  return out;
}

/** Results reduced to what most tests compare: window, revision, closed, values. */
export const brief = (outputs: readonly WindowOutput[]) =>
  outputs.map((o) =>
    o.kind === "result"
      ? { id: o.id, rev: o.revision, closed: o.closed, values: o.values }
      : o.kind === "retraction"
        ? { retract: o.id, rev: o.revision, into: o.merged_into }
        : { late: o.event.event_id, missed: o.missed },
  );

export const results = (outputs: readonly WindowOutput[]): WindowResult[] => outputs.filter((o): o is WindowResult => o.kind === "result");
