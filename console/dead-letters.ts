/**
 * The newest dead letters (fg.events.dlq), followed in a consumer group of this process' own from
 * the moment it starts: what a sink or the processor gave up on, with the reason and error text
 * their fg-dlq-* headers carry (store/runtime/dlq.ts). Bounded; values are kept as short previews.
 */
import { randomUUID } from "node:crypto";
import type { Bus, Subscription } from "../infra/bus/port.ts";
import type { DeadLetter } from "./types.ts";

export interface DeadLetterFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  latest(): DeadLetter[];
}

export const deadLetterGroupPrefix = "fluxgate-console-dlq-";

function appOf(value: Buffer): string | null {
  try {
    const v = JSON.parse(value.toString()) as { app_id?: unknown };
    return typeof v.app_id === "string" ? v.app_id : null;
  } catch {
    return null;
  }
}

export function createDeadLetterFeed(o: { bus: Bus; topic: string; keep?: number }): DeadLetterFeed {
  const keep = o.keep ?? 50;
  let items: DeadLetter[] = [];
  let subscription: Subscription | undefined;
  return {
    async start() {
      subscription = await o.bus.subscribe({ groupId: `${deadLetterGroupPrefix}${randomUUID()}`, topics: [o.topic], fromBeginning: false }, async ({ records }) => {
        const fresh = records.slice(-keep).map((r): DeadLetter => {
          const text = r.value.toString();
          return {
            at: Number(r.headers["fg-dlq-at"] ?? r.timestamp),
            app: appOf(r.value),
            sink: r.headers["fg-dlq-sink"] ?? "?",
            reason: r.headers["fg-dlq-reason"] ?? "?",
            error: r.headers["fg-dlq-error"] ?? "",
            source: r.headers["fg-dlq-source"] ?? `${r.topic}:${r.partition}:${r.offset}`,
            preview: text.length > 300 ? `${text.slice(0, 300)}…` : text,
          };
        });
        items = [...fresh.reverse(), ...items].slice(0, keep);
      });
    },
    stop: async () => subscription?.stop(),
    latest: () => items,
  };
}
