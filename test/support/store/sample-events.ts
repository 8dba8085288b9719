/** Test fixture: valid envelopes with varied optional fields, keys and event times. */
import type { Envelope } from "../../../schemas/envelope.ts";

export interface SampleOptions {
  app?: string;
  /** Event time of the first event; the rest follow stepMs apart. */
  start?: number;
  stepMs?: number;
  keys?: number;
  /** Extra random text per event, to make files large. */
  padding?: number;
}

export function sampleEvents(count: number, options: SampleOptions = {}): Envelope[] {
  const { app = "shop", start = Date.UTC(2024, 2, 10, 22, 0, 0), stepMs = 1_000, keys = 5, padding = 0 } = options;
  return Array.from({ length: count }, (_, i) => {
    const e: Envelope = {
      event_id: Bun.randomUUIDv7(),
      app_id: app,
      type: i % 3 ? "page.view" : "cart.add",
      ts: start + i * stepMs,
      received_at: start + i * stepMs + 7,
      key: `user-${i % keys}`,
      props: { n: i, path: `/p/${i % 11}`, tags: ["a", "ü"], nested: { ok: i % 2 === 0, price: 9.5 } },
      source: i % 2 ? "http" : "ws",
    };
    if (i % 4 !== 0) e.user_id = `user-${i % keys}`;
    if (i % 3 === 0) e.session_id = `s-${i % 7}`;
    if (padding) e.props.pad = Buffer.from(crypto.getRandomValues(new Uint8Array(padding))).toString("base64");
    return e;
  });
}
