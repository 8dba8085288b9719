/** A JSON value: what aggregate states and window values are, so that they travel and persist as they are. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/*
 * Numbers in JSON text built by hand (CEP state records, window result ids), as JSON.stringify
 * writes them but cheaper: event times are 13-digit integers, beyond int32, and a template
 * literal formats them through the double-to-shortest-string path (measured 0.2-0.5 µs each);
 * two int32 halves format in a few ns.
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
