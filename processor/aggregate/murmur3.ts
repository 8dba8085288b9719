/**
 * MurmurHash3 (x86, 32-bit) over UTF-8. Written here rather than taken from the runtime because
 * sketch state outlives a process: the hash must never change across Bun versions.
 */
const encoder = new TextEncoder();

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function mixK(k: number): number {
  return Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
}

export function murmur3(text: string, seed = 0): number {
  const bytes = encoder.encode(text);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks = bytes.length & ~3;
  let h = seed | 0;
  for (let i = 0; i < blocks; i += 4) {
    h ^= mixK(view.getUint32(i, true));
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = bytes.length - 1; i >= blocks; i--) tail = (tail << 8) | (bytes[i] ?? 0);
  if (bytes.length > blocks) h ^= mixK(tail);
  h ^= bytes.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
