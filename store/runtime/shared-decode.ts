/**
 * One decode per record for several sinks in one process. The event sinks each consume fg.events
 * in a group of their own (so a slow tier holds back only itself) and so each fetch the same
 * records; parsing and validating them (JSON.parse, ajv) is about half of a sink's consume path
 * (docs/benchmarks.md), and the result is the same for every reader. The first reader of a record
 * decodes it and keeps the result for the others; the last one to take it removes it. A reader
 * far behind the rest finds its records evicted (the cache holds at most `capacity`) and decodes
 * them itself without keeping them, so correctness never depends on the cache: only the CPU does.
 *
 * Values are shared between the sinks, which must not change them (none does: they build rows).
 */
import type { IncomingRecord } from "../../infra/bus/port.ts";
import type { Decoded } from "./runtime.ts";

interface Kept<T> {
  decoded: Decoded<T>;
  /** Readers yet to take it. */
  left: number;
}

export interface SharedDecoderOptions {
  /** How many readers take each record (the sinks on the topic). */
  readers: number;
  /** Decoded records kept for the readers behind, at most; the oldest go first. */
  capacity: number;
}

export interface SharedDecoder<T> {
  decode(record: IncomingRecord): Decoded<T>;
  /** Records kept (for tests and metrics). */
  readonly size: number;
}

/**
 * A record is the same record if topic, partition, offset, Kafka timestamp and length agree: a
 * topic deleted and created again reuses offsets, never all of these for other bytes in practice.
 */
const keyOf = (r: IncomingRecord) => `${r.topic}\u0000${r.partition}\u0000${r.offset}\u0000${r.timestamp}\u0000${r.value.length}`;

export function createSharedDecoder<T>(decode: (record: IncomingRecord) => Decoded<T>, options: SharedDecoderOptions): SharedDecoder<T> {
  // A Map iterates in insertion order, so its first keys are the oldest to evict.
  const kept = new Map<string, Kept<T>>();
  /** Per topic and partition, the offset after the newest record decoded. */
  const frontier = new Map<string, number>();
  return {
    decode(record) {
      if (options.readers <= 1) return decode(record);
      const key = keyOf(record);
      const hit = kept.get(key);
      if (hit) {
        if (--hit.left === 0) kept.delete(key);
        return hit.decoded;
      }
      const decoded = decode(record);
      const partition = `${record.topic}\u0000${record.partition}`;
      const offset = Number(record.offset);
      // A miss behind the newest record decoded is a reader that fell behind (its entry was taken
      // or evicted); keeping it would only push out what the readers ahead still need.
      if (offset < (frontier.get(partition) ?? 0)) return decoded;
      frontier.set(partition, offset + 1);
      kept.set(key, { decoded, left: options.readers - 1 });
      if (kept.size > options.capacity) kept.delete(kept.keys().next().value!);
      return decoded;
    },
    get size() {
      return kept.size;
    },
  };
}
