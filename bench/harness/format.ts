/** Number formats the benchmark pages share: figures with thousands separators, ratios as 0.00×. */
export const fmt = (n: number): string => (Number.isFinite(n) ? n.toLocaleString("en-US") : "–");
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : "–");
