/**
 * What the engine hands the runtime for a batch of events: window results for fg.windows, alert
 * candidates for the alert emitter, and late events for the late output. Collected in one object
 * that every rule runner appends to, in event order.
 */
import type { Alert } from "../../schemas/alert.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import type { EvictionCause } from "../cep/index.ts";
import type { WindowRecord } from "../../schemas/window-result.ts";
import type { LateEvent } from "../window/index.ts";

export interface AlertCandidate {
  alert: Alert;
  /** The rule's throttle period, for the alert gate. */
  throttleMs: number;
}

export interface EngineOutput {
  windows: WindowRecord[];
  alerts: AlertCandidate[];
  late: LateEvent[];
  /** Partial matches dropped over a pattern's bound (counted, see processor/cep). */
  evicted: number;
  /** The same evictions by rule and key, and which bound made them: for the log and the metric's labels. */
  evictions: { rule_id: string; key: string; count: number; cause: EvictionCause }[];
  /** Events a rule could not process (an engine bug, not a data problem): for the DLQ, never a blocked partition. */
  failed: { event: Envelope; rule_id: string; error: string }[];
}

export const emptyOutput = (): EngineOutput => ({ windows: [], alerts: [], late: [], evicted: 0, evictions: [], failed: [] });
