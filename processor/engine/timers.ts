import { Heap } from "mnemonist";

/**
 * Event-time timers per key: when a key's earliest partial match runs out of time. A binary heap
 * with lazy deletion: rescheduling a key leaves its old entry in place, and `due` skips entries
 * that no longer match the key's current time, so each call costs O(log n) per timer that fires.
 */
export interface Timers {
  /** Sets (or clears, with null) the time at which `key` needs attention. */
  schedule(key: string, at: number | null): void;
  /** Removes and returns the keys due at `time`, earliest first. */
  due(time: number): string[];
}

export function createTimers(): Timers {
  // Earliest first; keys break ties so the order never depends on insertion.
  const heap = new Heap<[number, string]>((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const current = new Map<string, number>();
  return {
    schedule(key, at) {
      if (at === null) {
        current.delete(key);
        return;
      }
      if (current.get(key) === at) return;
      current.set(key, at);
      heap.push([at, key]);
    },
    due(time) {
      const keys: string[] = [];
      while (heap.size > 0 && heap.peek()![0] <= time) {
        const [at, key] = heap.pop()!;
        if (current.get(key) !== at) continue;
        current.delete(key);
        keys.push(key);
      }
      return keys;
    },
  };
}
