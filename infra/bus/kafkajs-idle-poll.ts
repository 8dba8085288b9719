/**
 * A fix for kafkajs 2.2.4's request queue, applied once by the Kafka bus: with nothing pending,
 * `scheduleCheckPendingRequests` still arms a timer, at `throttledUntil - now`, and
 * `throttledUntil` starts at -1, so the delay is hugely negative and runs as 1 ms (the
 * TimeoutNegativeWarning in the logs); the timer calls the check, which arms the next one. Every
 * broker connection of every consumer thus polls its empty queue about 1,000 times a second,
 * forever. With an empty queue there is nothing to check: a request pushed later schedules its own
 * check (push() does), and one answered checks the queue (fulfillRequest() does), so skipping the
 * timer then changes nothing but the polling.
 */
import { createRequire } from "node:module";

interface RequestQueueLike {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

let applied = false;

export function fixKafkajsIdlePolling(): void {
  if (applied) return;
  applied = true;
  const RequestQueue = createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js") as { prototype: RequestQueueLike };
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    if (this.pending.length > 0) schedule.call(this);
  };
}
