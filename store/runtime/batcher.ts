/**
 * Gathers what several consumers of one sink deliver into batches, flushed by size or by time,
 * whichever comes first. add() resolves only once the batch holding its items is flushed, so
 * the caller (a bus handler) commits nothing before the write. A flush also starts at once when
 * every source is waiting on it: each source hands over one delivery at a time, so nothing more
 * can arrive and waiting for the timer would only add latency.
 */
export interface BatcherOptions<T> {
  maxItems: number;
  maxWaitMs: number;
  /** How many callers can be waiting at once (the consumers feeding this batcher). */
  sources: number;
  /** Writes one batch; a rejection rejects every add() whose items it held. Never called concurrently. */
  flush(items: T[]): Promise<void>;
  now?: () => number;
}

export interface Batcher<T> {
  add(items: readonly T[]): Promise<void>;
  /** Items waiting for a flush (for tests and metrics). */
  readonly pending: number;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export function createBatcher<T>(options: BatcherOptions<T>): Batcher<T> {
  const now = options.now ?? Date.now;
  let items: T[] = [];
  let waiters: Waiter[] = [];
  let oldestAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing = false;

  function consider(force: boolean) {
    if (flushing || items.length === 0) return;
    const due = force || items.length >= options.maxItems || waiters.length >= options.sources || now() - oldestAt >= options.maxWaitMs;
    if (!due) {
      timer ??= setTimeout(() => {
        timer = undefined;
        consider(true);
      }, Math.max(0, oldestAt + options.maxWaitMs - now()));
      return;
    }
    clearTimeout(timer);
    timer = undefined;
    const batch = items;
    const settled = waiters;
    items = [];
    waiters = [];
    flushing = true;
    options.flush(batch).then(
      () => settled.forEach((w) => w.resolve()),
      (err) => settled.forEach((w) => w.reject(err)),
    ).finally(() => {
      flushing = false;
      consider(false);
    });
  }

  return {
    add(added) {
      if (added.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        if (items.length === 0) oldestAt = now();
        for (const item of added) items.push(item);
        waiters.push({ resolve, reject });
        consider(false);
      });
    },
    get pending() {
      return items.length;
    },
  };
}
