import { Heap } from "mnemonist";

/**
 * Event-time timers per key, Flink's timer service in small: when a group's window closes or
 * expires (window operator), when a key's earliest partial match runs out of time (pattern rules).
 * Keys are kept in one bucket per due time, and a min-heap holds the distinct times. Aligned
 * windows put thousands of groups on one time, so the heap stays small and a watermark step costs
 * O(1) when nothing is due and O(keys due) when something is, whatever the number of keys.
 */
export interface Timers {
  /** Sets (or clears, with null) the time at which `key` needs attention. */
  schedule(key: string, at: number | null): void;
  /** The time `key` is scheduled at, if any. */
  at(key: string): number | undefined;
  /** Removes and returns the keys due at `time`, earliest first (see `tiesByKey` for equal times). */
  due(time: number): string[];
}

export interface TimersOptions {
  /**
   * Keys due at the same time come out in key order, so the order never depends on scheduling
   * (default). Off for callers that sort what the keys produce anyway (the window operator).
   */
  tiesByKey?: boolean;
}

export function createTimers(options: TimersOptions = {}): Timers {
  const tiesByKey = options.tiesByKey ?? true;
  const times = new Heap<number>((a, b) => a - b);
  const buckets = new Map<number, Set<string>>();
  const current = new Map<string, number>();
  const unschedule = (key: string) => {
    const at = current.get(key);
    if (at === undefined) return;
    current.delete(key);
    // An emptied bucket stays until its time comes up: the heap has no delete.
    buckets.get(at)?.delete(key);
  };
  return {
    schedule(key, at) {
      if (at === null) return unschedule(key);
      if (current.get(key) === at) return;
      unschedule(key);
      current.set(key, at);
      let bucket = buckets.get(at);
      if (bucket === undefined) {
        bucket = new Set();
        buckets.set(at, bucket);
        times.push(at);
      }
      bucket.add(key);
    },
    at: (key) => current.get(key),
    due(time) {
      const keys: string[] = [];
      while (times.size > 0 && (times.peek() as number) <= time) {
        const at = times.pop() as number;
        const bucket = buckets.get(at);
        buckets.delete(at);
        if (bucket === undefined || bucket.size === 0) continue;
        const from = keys.length;
        for (const key of bucket) {
          current.delete(key);
          keys.push(key);
        }
        if (tiesByKey && bucket.size > 1) {
          const tied = keys.splice(from).sort();
          for (const key of tied) keys.push(key);
        }
      }
      return keys;
    },
  };
}
