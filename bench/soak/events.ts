/**
 * The soak's event stream: a seeded mix of the product's event types (like bench/k6/lib/events.js)
 * with client-assigned UUIDv7 ids, so the ledger knows every id it sent and a client can resend
 * after a failure without making duplicates. Every `markerEvery`-th event is a marker: a signup on
 * a user of its own in the markers' own app, which the soak's rule turns into exactly one alert.
 */
import { mulberry32 } from "../harness/random.ts";

export interface SoakEvent {
  event_id: string;
  app_id: string;
  type: string;
  user_id: string;
  /** Absent on markers: the time of their UUIDv7 id, i.e. when they were made (the soak sets an out-of-orderness bound that covers the other events' time in clients). */
  ts?: number;
  props: Record<string, unknown>;
}

const PAGES = ["/", "/pricing", "/docs", "/checkout", "/account"];

export function createEventSource(o: { seed: number; apps: string[]; markerApp: string; markerEvery: number }) {
  const rnd = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let n = 0;
  return function next(): { event: SoakEvent; marker: boolean } {
    n++;
    const app_id = pick(o.apps);
    const base = { event_id: Bun.randomUUIDv7(), app_id, ts: Date.now() };
    if (n % o.markerEvery === 0) return { event: { event_id: base.event_id, app_id: o.markerApp, type: "signup", user_id: `marker-${base.event_id}`, props: { plan: "soak-marker" } }, marker: true };
    const user_id = `u${Math.floor(rnd() * 5_000)}`;
    const r = rnd();
    const event: SoakEvent = r < 0.6
      ? { ...base, type: "page_view", user_id, props: { url: pick(PAGES), referrer: "https://example.com/", duration_ms: Math.floor(rnd() * 30_000) } }
      : r < 0.75 ? { ...base, type: "session_start", user_id, props: { platform: "web" } }
      : r < 0.9 ? { ...base, type: "checkout_completed", user_id, props: { order_id: `o-${Math.floor(rnd() * 1e9)}`, amount: Math.round(rnd() * 50_000) / 100, currency: "EUR" } }
      : { ...base, type: "signup", user_id, props: { plan: "free" } };
    return { event, marker: false };
  };
}
