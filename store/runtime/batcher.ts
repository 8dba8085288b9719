/**
 * Gathers what a sink's consumers deliver into batches, written by size or by time, whichever
 * comes first: a batch is flushed once it holds maxItems, or once its oldest item has waited
 * maxWaitMs since it arrived (for the store: since Kafka appended it, so time a row spent in the
 * broker while the fetch was held up counts too). So at a low rate a row waits at most about
 * maxWaitMs and the tier sees a few writes per maxWaitMs, and at a high rate writes are full
 * (docs/store.md, "Batching"). add() resolves only
 * once the batch holding its items is flushed, so the caller (a bus handler) commits nothing
 * before the write. Flushes never overlap: items that arrive during one go into the next, which
 * starts as soon as it is due and the previous one is done. A batch also goes at once when as
 * many add() calls wait as there are sources: a source that hands over one delivery at a time (the
 * in-process bus) cannot add more before this flush, so waiting would only stall it.
 */
export interface BatcherOptions<T> {
  maxItems: number;
  maxWaitMs: number;
  /** How many add() calls can wait at once, when that is bounded (e.g. consumers that each hand over one delivery at a time). */
  sources?: number;
  /** Writes one batch; a rejection rejects every add() whose items it held. Never called concurrently. */
  flush(items: T[]): Promise<void>;
  now?: () => number;
}

export interface Batcher<T> {
  /** since: when the oldest of the items arrived (default now; a time in the future counts as now). */
  add(items: readonly T[], since?: number): Promise<void>;
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

  function consider() {
    if (flushing || items.length === 0) return;
    const waited = now() - oldestAt;
    const stalled = options.sources !== undefined && waiters.length >= options.sources;
    if (items.length < options.maxItems && waited < options.maxWaitMs && !stalled) {
      // Re-armed on every add: an older arrival brings the batch's due time forward.
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        consider();
      }, options.maxWaitMs - waited);
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
      // What arrived during the write may be due already (full, or waiting since before it).
      consider();
    });
  }

  return {
    add(added, since) {
      if (added.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const arrived = Math.min(since ?? Infinity, now());
        oldestAt = items.length === 0 ? arrived : Math.min(oldestAt, arrived);
        for (const item of added) items.push(item);
        waiters.push({ resolve, reject });
        consider();
      });
    },
    get pending() {
      return items.length;
    },
  };
}
