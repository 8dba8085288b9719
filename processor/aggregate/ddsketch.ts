/**
 * A small DDSketch (Masson, Rim, Lee; VLDB 2019): values fall into logarithmic bins, so any
 * quantile comes back within `relativeAccuracy` of a true value of that rank. Stores are dense
 * arrays with an offset (plain JSON); past `maxBins` the lowest bins collapse into one, which costs
 * accuracy only for the smallest magnitudes of each sign. Written here because the maintained library
 * (@datadog/sketches-js) serialises to protobuf, not JSON.
 */

/** A run of bin counts: `counts[i]` is the count of bin `offset + i`. */
export interface Store {
  offset: number;
  counts: number[];
}

export interface Sketch {
  /** Positive values by bin, and negative values by the bin of their magnitude. */
  pos: Store;
  neg: Store;
  zero: number;
  count: number;
  /** Exact extremes (null while empty): quantiles are clamped to them, so q=0 and q=1 are exact. */
  min: number | null;
  max: number | null;
}

/** Magnitudes below this count as zero: the log mapping cannot index them usefully. */
const MIN_INDEXABLE = 1e-9;

export interface Mapping {
  gamma: number;
  logGamma: number;
  maxBins: number;
}

export function createMapping(relativeAccuracy: number, maxBins: number): Mapping {
  const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
  return { gamma, logGamma: Math.log(gamma), maxBins };
}

export const emptySketch = (): Sketch => ({
  pos: { offset: 0, counts: [] },
  neg: { offset: 0, counts: [] },
  zero: 0,
  count: 0,
  min: null,
  max: null,
});

/** Bin i holds (gamma^(i-1), gamma^i]. */
const binOf = (m: Mapping, magnitude: number): number => Math.ceil(Math.log(magnitude) / m.logGamma);

/** The point of bin i whose relative distance to both ends of the bin is the same: at most the accuracy. */
const valueOf = (m: Mapping, bin: number): number => (2 * m.gamma ** bin) / (m.gamma + 1);

function addToStore(m: Mapping, s: Store, bin: number, n: number): void {
  if (s.counts.length === 0) s.offset = bin;
  if (bin < s.offset) {
    s.counts = new Array<number>(s.offset - bin).fill(0).concat(s.counts);
    s.offset = bin;
  }
  const i = bin - s.offset;
  while (s.counts.length <= i) s.counts.push(0);
  s.counts[i] = (s.counts[i] ?? 0) + n;
  collapse(m, s);
}

function collapse(m: Mapping, s: Store): void {
  const excess = s.counts.length - m.maxBins;
  if (excess <= 0) return;
  const folded = s.counts.splice(0, excess + 1).reduce((a, b) => a + b, 0);
  s.counts.unshift(folded);
  s.offset += excess;
}

export function addValue(m: Mapping, sk: Sketch, x: number, n = 1): void {
  const magnitude = Math.abs(x);
  if (magnitude < MIN_INDEXABLE) sk.zero += n;
  else addToStore(m, x > 0 ? sk.pos : sk.neg, binOf(m, magnitude), n);
  sk.count += n;
  sk.min = Math.min(sk.min ?? x, x);
  sk.max = Math.max(sk.max ?? x, x);
}

export function mergeSketches(m: Mapping, into: Sketch, from: Sketch): Sketch {
  from.pos.counts.forEach((n, i) => n > 0 && addToStore(m, into.pos, from.pos.offset + i, n));
  from.neg.counts.forEach((n, i) => n > 0 && addToStore(m, into.neg, from.neg.offset + i, n));
  into.zero += from.zero;
  into.count += from.count;
  into.min = from.min === null ? into.min : Math.min(into.min ?? from.min, from.min);
  into.max = from.max === null ? into.max : Math.max(into.max ?? from.max, from.max);
  return into;
}

/** The bin holding the value of 0-based `rank` counted from the store's lowest bin. */
function binAtRank(s: Store, rank: number): number {
  let seen = 0;
  for (let i = 0; i < s.counts.length; i++) {
    seen += s.counts[i] ?? 0;
    if (seen > rank) return s.offset + i;
  }
  return s.offset + s.counts.length - 1;
}

const total = (s: Store) => s.counts.reduce((a, b) => a + b, 0);

/** The value of rank q * (count - 1), the lower of the two middle values for an even count's median. */
export function quantile(m: Mapping, sk: Sketch, q: number): number | null {
  if (sk.min === null || sk.max === null) return null;
  const rank = Math.floor(q * (sk.count - 1));
  const negatives = total(sk.neg);
  let value: number;
  // Negative values run from the largest magnitude up, so their ranks count down the store.
  if (rank < negatives) value = -valueOf(m, binAtRank(sk.neg, negatives - 1 - rank));
  else if (rank < negatives + sk.zero) value = 0;
  else value = valueOf(m, binAtRank(sk.pos, rank - negatives - sk.zero));
  return Math.min(sk.max, Math.max(sk.min, value));
}
