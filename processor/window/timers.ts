/**
 * Event-time timers, Flink's timer service in small: when a key's earliest partial match runs out
 * of time (pattern rules, on string keys: createTimers), when a group's window closes or expires
 * (the window operator, on its group objects: createTimerQueue). Event time mostly moves forward,
 * so most items are queued for a time no earlier than the last one queued: those go to the end of
 * a list in time order (two array pushes). The others are kept in one bucket per due time, and a
 * min-heap holds the distinct times. A watermark step costs O(1) and allocates nothing when nothing
 * is due, and O(items due) when something is, whatever the number of keys.
 */
export interface Timers {
  /** Sets (or clears, with null) the time at which `key` needs attention. */
  schedule(key: string, at: number | null): void;
  /** The time `key` is scheduled at, if any. */
  at(key: string): number | undefined;
  /** Removes and returns the keys due at `time`, earliest first (see `tiesByKey` for equal times). The list is the caller's to read, not to change. */
  due(time: number): readonly string[];
}

export interface TimersOptions {
  /**
   * Keys due at the same time come out in key order, so the order never depends on scheduling
   * (default). Off for callers that sort what the keys produce anyway.
   */
  tiesByKey?: boolean;
}

export function createTimers(options: TimersOptions = {}): Timers {
  const tiesByKey = options.tiesByKey ?? true;
  const queue = createTimerQueue<KeyTimer>();
  /** The keys queued, each with its entry in the queue. */
  const current = new Map<string, KeyTimer>();
  const oneTime: KeyTimer[] = [];
  return {
    schedule(key, at) {
      let t = current.get(key);
      if (at === null) {
        if (t === undefined) return;
        current.delete(key);
        queue.schedule(t, Infinity);
        return;
      }
      if (t === undefined) current.set(key, (t = { key, due: Infinity }));
      queue.schedule(t, at);
    },
    at: (key) => current.get(key)?.due,
    due(time) {
      // Called on every watermark step: nothing due allocates nothing.
      if (queue.next() > time) return NOTHING_DUE;
      const keys: string[] = [];
      // One time at a time, so keys tied on a time can be put in key order.
      for (let at = queue.next(); at <= time; at = queue.next()) {
        queue.due(at, oneTime);
        const from = keys.length;
        for (const t of oneTime) {
          current.delete(t.key);
          keys.push(t.key);
        }
        if (tiesByKey && oneTime.length > 1) {
          const tied = keys.splice(from).sort();
          for (const key of tied) keys.push(key);
        }
        oneTime.length = 0;
      }
      return keys;
    },
  };
}

interface KeyTimer extends Timed {
  key: string;
}

/** What `due` returns when nothing is due: shared, and never written. */
const NOTHING_DUE: readonly string[] = Object.freeze([]);

/** What a TimerQueue holds: an object that carries the time it is queued for. */
export interface Timed {
  /** The watermark at which it is due; Infinity while not queued. Only the queue writes it. */
  due: number;
}

/**
 * Timers on objects instead of string keys (the window operator's groups): an item carries its own
 * due time, so scheduling is a push and a watermark step with nothing due is one comparison.
 * Moving an item leaves its old entry behind, skipped when that time comes (its `due` no longer
 * matches); so nothing is searched or deleted.
 */
export interface TimerQueue<T extends Timed> {
  /** Queues `item` for `at`, replacing its earlier time; Infinity unqueues it. */
  schedule(item: T, at: number): void;
  /** The earliest queued time (Infinity when none). Its items may all have moved since. */
  next(): number;
  /** Appends to `into` the items due at or before `time` and unqueues them: earliest first, one time's items in the order they were queued. */
  due(time: number, into: T[]): void;
}

/** Entries of the in-order list already taken, beyond which the list is moved down (and at least half of it). */
const COMPACT_AFTER = 4_096;

export function createTimerQueue<T extends Timed>(): TimerQueue<T> {
  // Items queued in time order (each time >= the one before): a session's gap or a window's end
  // after the latest event. `head` is the first not yet taken.
  const inOrderTimes: number[] = [];
  const inOrderItems: (T | undefined)[] = [];
  let head = 0;
  // The rest (times earlier than the list's last: a window's expiry after its close, a session
  // extended before its timer fired): a bucket per time, and the heap of the buckets' times.
  const times = new NumberHeap();
  const buckets = new Map<number, T[]>();
  const inOrderNext = (): number => (head < inOrderTimes.length ? (inOrderTimes[head] as number) : Infinity);
  return {
    schedule(item, at) {
      if (item.due === at) return;
      item.due = at;
      if (at === Infinity) return;
      const n = inOrderTimes.length;
      if (head === n || at >= (inOrderTimes[n - 1] as number)) {
        inOrderTimes.push(at);
        inOrderItems.push(item);
        return;
      }
      const bucket = buckets.get(at);
      if (bucket !== undefined) bucket.push(item);
      else {
        buckets.set(at, [item]);
        times.push(at);
      }
    },
    next: () => Math.min(inOrderNext(), times.peek()),
    due(time, into) {
      for (;;) {
        const listed = inOrderNext();
        const bucketed = times.peek();
        // On a tie the list goes first: its entries for a time were all queued before any bucket's
        // (a time goes to a bucket only once the list holds a later one), so the order is the queueing order.
        if (listed <= bucketed) {
          if (listed > time) break;
          const item = inOrderItems[head] as T;
          inOrderItems[head] = undefined;
          head += 1;
          // An item moved since (or queued here twice: moved away and back) is due at most once.
          if (item.due !== listed) continue;
          item.due = Infinity;
          into.push(item);
          continue;
        }
        if (bucketed > time) break;
        times.pop();
        const bucket = buckets.get(bucketed) as T[];
        buckets.delete(bucketed);
        for (const item of bucket) {
          if (item.due !== bucketed) continue;
          item.due = Infinity;
          into.push(item);
        }
      }
      if (head === inOrderTimes.length) {
        inOrderTimes.length = 0;
        inOrderItems.length = 0;
        head = 0;
      } else if (head > COMPACT_AFTER && head * 2 > inOrderTimes.length) {
        inOrderTimes.splice(0, head);
        inOrderItems.splice(0, head);
        head = 0;
      }
    },
  };
}

/** A binary min-heap of numbers in a plain array: no comparator calls, no allocation per operation. */
export class NumberHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The smallest number, or Infinity when empty. */
  peek(): number {
    return this.items.length > 0 ? (this.items[0] as number) : Infinity;
  }

  push(x: number): void {
    const a = this.items;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as number;
      if (p <= x) break;
      a[i] = p;
      i = parent;
    }
    a[i] = x;
  }

  /** Removes and returns the smallest number (Infinity when empty). */
  pop(): number {
    const a = this.items;
    if (a.length === 0) return Infinity;
    const top = a[0] as number;
    const last = a.pop() as number;
    const n = a.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (a[r] as number) < (a[l] as number) ? r : l;
      if ((a[c] as number) >= last) break;
      a[i] = a[c] as number;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
