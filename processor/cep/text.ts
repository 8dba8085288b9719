/**
 * Numbers in the JSON text the CEP state saves by hand (heads, start groups), as JSON.stringify
 * writes them but cheaper: event times are 13-digit integers, beyond int32, and a template
 * literal formats them through the double-to-shortest-string path (measured 0.2-0.5 µs each, and
 * a head holds a few); two int32 halves format in a few ns. (JSON.stringify itself formats them
 * natively and fast: an event's own text stays its JSON.stringify.)
 */

const zeros = ["", "0", "00", "000", "0000", "00000"];

/** A number as JSON.stringify writes it: safe non-negative integers as two int32 halves, the rest as usual. */
export function numberText(x: number): string {
  if ((x | 0) === x) return `${x}`;
  if (!Number.isFinite(x)) return "null";
  if (x < 0 || !Number.isSafeInteger(x)) return `${x}`;
  const hi = Math.floor(x / 1e6);
  const lo = `${x - hi * 1e6}`;
  return `${hi}${zeros[6 - lo.length]}${lo}`;
}

/** `numberText`, and null for null (the saved times that may be unset). */
export const nullableText = (x: number | null): string => (x === null ? "null" : numberText(x));
