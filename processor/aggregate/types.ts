/**
 * The contract every aggregate implements. An aggregate's state is plain JSON, so a window's state
 * can be written to Redis as it is, and a zod schema per aggregate checks it when it is read back.
 */
import type { z } from "zod";
import type { Json } from "../../schemas/json.ts";

export type { Json } from "../../schemas/json.ts";

/**
 * One event's contribution: the aggregated field's value (undefined when absent) and the event's
 * order. The caller owns it and may reuse it for the next event: an aggregate copies what it keeps.
 */
export interface Observation {
  value: unknown;
  ts: number;
  event_id: string;
}

export interface Aggregator<S = unknown> {
  init(): S;
  /** May update `state` in place; callers always keep the returned state. */
  add(state: S, obs: Observation): S;
  /** Combines two windows (session merges); `a` is the earlier one and may be updated in place. */
  merge(a: S, b: S): S;
  result(state: S): Json;
  stateSchema: z.ZodType<S>;
}

/** The registry holds aggregators of different state types side by side. */
export const erase = <S>(a: Aggregator<S>): Aggregator => a as unknown as Aggregator;

export const finiteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
