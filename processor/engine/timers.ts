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
  const heap: [number, string][] = [];
  const current = new Map<string, number>();
  const less = (i: number, j: number) => heap[i]![0] < heap[j]![0] || (heap[i]![0] === heap[j]![0] && heap[i]![1] < heap[j]![1]);
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  const up = (i: number) => {
    for (let p = (i - 1) >> 1; i > 0 && less(i, p); i = p, p = (i - 1) >> 1) swap(i, p);
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      down(0);
    }
    return top;
  };
  return {
    schedule(key, at) {
      if (at === null) {
        current.delete(key);
        return;
      }
      if (current.get(key) === at) return;
      current.set(key, at);
      heap.push([at, key]);
      up(heap.length - 1);
    },
    due(time) {
      const keys: string[] = [];
      while (heap.length > 0 && heap[0]![0] <= time) {
        const [at, key] = pop();
        if (current.get(key) !== at) continue;
        current.delete(key);
        keys.push(key);
      }
      return keys;
    },
  };
}
