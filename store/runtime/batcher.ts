/**
 * Gathers what a sink's consumers deliver into batches, written by size or by time, whichever
 * comes first: a batch is flushed once it holds maxItems, or once its oldest item has waited
 * maxWaitMs since it arrived (for the store: since Kafka appended it, so time a row spent in the
 * broker while the fetch was held up counts too). So at a low rate a row waits about maxWaitMs
 * and the tier sees a few writes per maxWaitMs; at a high rate writes are full (docs/store.md,
 * "Batching").
 *
 * add() resolves only once the batch holding its items is flushed, so the caller (a bus handler)
 * commits nothing before the write. Flushes never overlap: what arrives during one waits for the
 * next, which starts as soon as it is due and the previous one is done. A flush takes whole add()s
 * up to maxItems (an add() of more is flushed alone, and the caller's flush writes it in chunks).
 * A batch also goes at once when as many add()s wait as there are sources: a source that hands
 * over one delivery at a time (the in-process bus) cannot add more before this flush.
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

interface Delivery<T> {
  items: readonly T[];
  arrived: number;
  resolve(): void;
  reject(err: unknown): void;
}

export function createBatcher<T>(options: BatcherOptions<T>): Batcher<T> {
  const now = options.now ?? Date.now;
  let queue: Delivery<T>[] = [];
  let queued = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing = false;

  function consider() {
    if (flushing || queue.length === 0) return;
    let oldestAt = Infinity;
    for (const d of queue) oldestAt = Math.min(oldestAt, d.arrived);
    const waited = now() - oldestAt;
    const stalled = options.sources !== undefined && queue.length >= options.sources;
    if (queued < options.maxItems && waited < options.maxWaitMs && !stalled) {
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
    // Whole deliveries, oldest first, up to maxItems (at least one): each flush settles its callers
    // (their offsets get committed) instead of one long flush holding everything that piled up.
    let take = 1;
    let rows = queue[0]!.items.length;
    while (take < queue.length && rows + queue[take]!.items.length <= options.maxItems) rows += queue[take++]!.items.length;
    const settled = queue.slice(0, take);
    queue = queue.slice(take);
    queued -= rows;
    const batch: T[] = [];
    for (const d of settled) for (const item of d.items) batch.push(item);
    flushing = true;
    options.flush(batch).then(
      () => settled.forEach((d) => d.resolve()),
      (err) => settled.forEach((d) => d.reject(err)),
    ).finally(() => {
      flushing = false;
      // What is left, or arrived during the write, may be due already (full, or waiting since before it).
      consider();
    });
  }

  return {
    add(added, since) {
      if (added.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ items: added, arrived: Math.min(since ?? Infinity, now()), resolve, reject });
        queued += added.length;
        consider();
      });
    },
    get pending() {
      return queued;
    },
  };
}
