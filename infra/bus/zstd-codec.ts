/**
 * zstd for kafkajs, which ships only gzip: registered once, so kafkajs consumers read batches
 * that either publisher wrote with zstd and the kafkajs publisher can write them. zstd costs a
 * fifth of gzip's CPU per event at about the same ratio on event JSON (docs/benchmarks.md), and
 * Bun has it built in, so no native add-on is needed.
 */
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { asBuffer } from "./port.ts";

let registered = false;

export function registerZstdCodec(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }) => Bun.zstdCompress(encoder.buffer, { level: 1 }).then(asBuffer),
    decompress: (buffer: Buffer) => Bun.zstdDecompress(buffer).then(asBuffer),
  });
}
