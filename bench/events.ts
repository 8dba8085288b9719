/**
 * The benchmarks' events: a page view (80%, with a numeric duration_ms) or a purchase (20%,
 * with an amount), ~350 bytes of JSON, over 4 apps and 5,000 users, spread evenly over spanMs of
 * event time from 2026-01-05 10:00 UTC, in time order as they would arrive. A large set can be
 * made in slices: events [from, from + count) of a set of `total`.
 */
import type { Envelope } from "../schemas/envelope.ts";

export function benchEvents(count: number, { spanMs = 3_600_000, from = 0, total = count } = {}): Envelope[] {
  const start = Date.UTC(2026, 0, 5, 10);
  return Array.from({ length: count }, (_, k) => from + k).map((i) => ({
    event_id: Bun.randomUUIDv7(), app_id: `app${i % 4}`, type: i % 5 ? "page_view" : "checkout_completed",
    ts: start + Math.floor((i * spanMs) / total), received_at: start + i, key: `user-${i % 5_000}`,
    user_id: `user-${i % 5_000}`, session_id: `s-${i % 20_000}`, source: "http",
    props: i % 5
      ? { url: `/products/${i % 997}`, referrer: "https://example.com/search?q=shoes", duration_ms: i % 3_000 }
      : { order_id: `o-${i % 997}`, amount: (i % 10_000) / 100, currency: "EUR", items: 1 + (i % 3) },
  }));
}
