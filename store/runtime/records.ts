/**
 * The shapes the store consumes from fg.windows and fg.alerts, checked for the fields the sinks
 * write (the producers own the full types: schemas/window-result.ts, schemas/alert.ts).
 * Unknown fields pass through, so a producer adding one does not send records to the DLQ.
 */
import { z } from "zod";
import type { WindowRecord } from "../../schemas/window-result.ts";
import type { Alert } from "../../schemas/alert.ts";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import { jsonDecoder } from "./decode.ts";
import type { Decoded } from "./runtime.ts";

export type { WindowRecord } from "../../schemas/window-result.ts";
export type { Alert } from "../../schemas/alert.ts";

const ms = z.number().int().nonnegative();
const windowBase = { id: z.string().min(1), rule_id: z.string(), group_key: z.string(), window_start: ms, window_end: ms, revision: z.number().int().positive() };

const windowRecordSchema = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("result"), ...windowBase, group: z.record(z.string(), z.unknown()), closed: z.boolean(), values: z.record(z.string(), z.unknown()) }),
  z.looseObject({ kind: z.literal("retraction"), ...windowBase, merged_into: z.string() }),
]);

const alertSchema = z.looseObject({
  id: z.string().min(1), rule_id: z.string(), rule_version: z.number().int().nonnegative(), rule_set_version: z.string(),
  severity: z.string(), kind: z.enum(["window", "pattern"]), title: z.string(), description: z.string(),
  app_id: z.string(), group_key: z.string(), dedup_key: z.string(), ts: ms,
});

export const decodeWindowRecord = jsonDecoder(windowRecordSchema) as (record: IncomingRecord) => Decoded<WindowRecord>;
export const decodeAlert = jsonDecoder(alertSchema) as unknown as (record: IncomingRecord) => Decoded<Alert>;
