/**
 * mulberry32: a small seeded generator, so every benchmark run (and every code version) sees the
 * same events and the same fault points. (bench/k6/lib/events.js keeps its own: k6 runs plain JS.)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
