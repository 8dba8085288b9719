/**
 * Durations as authors write them ("90s", "5m", "1h", "30d", or plain milliseconds), turned into
 * milliseconds by the schema so that nothing past parsing ever sees a unit.
 */
import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : null;
}

/** A positive duration: "5m" or an integer of milliseconds; output is milliseconds. */
export const durationSchema = z
  .union([z.number().int().positive(), z.string().regex(DURATION, 'must be a duration such as "90s", "5m", "1h" or "30d"')])
  .transform((v) => (typeof v === "number" ? v : (parseDuration(v) as number)))
  .refine((ms) => ms > 0, "must be longer than zero")
  .describe('A duration: "500ms", "90s", "5m", "1h", "30d", or integer milliseconds');

export function formatDuration(ms: number): string {
  for (const [unit, size] of Object.entries(UNIT_MS).reverse()) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
