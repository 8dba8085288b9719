/**
 * The state backend port: where a partition's engine state and the offset it includes are kept.
 * A checkpoint is (records, next offset) and is written atomically, so a restart resumes from a
 * state that includes exactly the events before that offset. Ownership is fenced: `claim` makes
 * the caller the partition's only writer, and a save by an earlier owner (one that has not yet
 * noticed a rebalance) is refused instead of overwriting the new owner's state.
 * Adapters: memory.ts (embedded default) and redis.ts; both pass state.contract.ts.
 */
import type { RecordDelta, Records } from "../engine/records.ts";

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface Checkpoint {
  records: Records;
  /** Offset of the first event the records do not include; null before any save. */
  nextOffset: string | null;
}

/** Proof of ownership from `claim`; saves carry it. */
export interface Lease {
  partition: PartitionRef;
  epoch: number;
}

export interface StateStore {
  /** Takes ownership of the partition (fencing earlier owners) and loads its checkpoint. */
  claim(partition: PartitionRef): Promise<{ lease: Lease; checkpoint: Checkpoint }>;
  /** Applies a batch's delta and its next offset in one atomic step; rejects with FencedError if the lease was taken over. */
  save(lease: Lease, delta: RecordDelta, nextOffset: string): Promise<void>;
  /** Bytes of state stored for the partition (records' names and values), for metrics. */
  size(partition: PartitionRef): Promise<number>;
  close(): Promise<void>;
}

export class FencedError extends Error {
  constructor(partition: PartitionRef) {
    super(`partition ${partition.topic}:${partition.partition} was claimed by another processor`);
    this.name = "FencedError";
  }
}
