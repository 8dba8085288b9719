/**
 * One queue per sink with bounded concurrency: a slow or failing endpoint fills its own slots and
 * its own queue, never the processor's loop or another sink's. A full queue refuses work (the
 * caller dead-letters it) rather than growing without bound.
 */
export interface SinkQueue<T> {
  /** False when the queue is full. */
  push(item: T): boolean;
  readonly size: number;
  readonly active: number;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
}

export function createSinkQueue<T>(options: { concurrency: number; limit: number; handle: (item: T) => Promise<void> }): SinkQueue<T> {
  const waiting: T[] = [];
  let active = 0;
  let idleWaiters: (() => void)[] = [];
  const settle = () => {
    if (active === 0 && waiting.length === 0) {
      idleWaiters.forEach((w) => w());
      idleWaiters = [];
    }
  };
  const pump = () => {
    while (active < options.concurrency && waiting.length > 0) {
      const item = waiting.shift() as T;
      active++;
      // handle() owns its errors (it records them); a throw here must not stop the queue.
      void options.handle(item).catch(() => {}).finally(() => {
        active--;
        pump();
        settle();
      });
    }
  };
  return {
    push(item) {
      if (waiting.length >= options.limit) return false;
      waiting.push(item);
      pump();
      return true;
    },
    get size() {
      return waiting.length;
    },
    get active() {
      return active;
    },
    idle() {
      if (active === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((r) => idleWaiters.push(r));
    },
  };
}
