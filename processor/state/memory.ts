/** The embedded state backend: checkpoints in this process's memory, same contract as Redis. */
import type { Records } from "../engine/records.ts";
import { FencedError, type Checkpoint, type PartitionRef, type StateStore } from "./port.ts";

interface Stored {
  records: Map<string, string>;
  nextOffset: string | null;
  epoch: number;
}

const keyOf = (p: PartitionRef) => `${p.topic}:${p.partition}`;

export function createMemoryStateStore(): StateStore {
  const partitions = new Map<string, Stored>();
  const stored = (p: PartitionRef): Stored => {
    let s = partitions.get(keyOf(p));
    if (!s) partitions.set(keyOf(p), (s = { records: new Map(), nextOffset: null, epoch: 0 }));
    return s;
  };
  return {
    async claim(partition) {
      const s = stored(partition);
      s.epoch += 1;
      const checkpoint: Checkpoint = { records: Object.fromEntries(s.records) as Records, nextOffset: s.nextOffset };
      return { lease: { partition, epoch: s.epoch }, checkpoint };
    },
    async save(lease, delta, nextOffset) {
      const s = stored(lease.partition);
      if (s.epoch !== lease.epoch) throw new FencedError(lease.partition);
      for (const name of delta.del) s.records.delete(name);
      for (const [name, value] of delta.put) s.records.set(name, value);
      s.nextOffset = nextOffset;
    },
    async size(partition) {
      let bytes = 0;
      for (const [name, value] of stored(partition).records) bytes += name.length + value.length;
      return bytes;
    },
    async close() {},
  };
}
