import { describe, expect, test } from "bun:test";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { decodeEnvelope } from "./decode.ts";
import { decodeAlert, decodeWindowRecord } from "./records.ts";

const record = (value: unknown): IncomingRecord => ({
  topic: "fg.events", partition: 0, offset: "0", key: "k", headers: {}, timestamp: 0,
  value: Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
});

const envelope: Envelope = {
  event_id: "0190a4f0-0000-7000-8000-000000000001", app_id: "shop", type: "page_view", ts: 1_700_000_000_000,
  received_at: 1_700_000_000_100, key: "user-1", user_id: "user-1", source: "http", props: { url: "/pricing", n: 3 },
};

describe("decodeEnvelope", () => {
  test("a valid envelope decodes to itself", () => {
    expect(decodeEnvelope(record(envelope))).toEqual({ ok: true, value: envelope });
  });

  test("bytes that are not JSON are named as such", () => {
    const out = decodeEnvelope(record("{nope"));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toStartWith("not JSON: ");
  });

  test.each([
    ["a missing field", { ...envelope, event_id: undefined }, "invalid: (root): must have required property 'event_id'"],
    ["an app id off its pattern", { ...envelope, app_id: "Shop!" }, "invalid: app_id: "],
    ["a fractional timestamp", { ...envelope, ts: 1.5 }, "invalid: ts: must be integer"],
    ["an unknown source", { ...envelope, source: "carrier-pigeon" }, "invalid: source: "],
    ["a field the envelope does not have", { ...envelope, extra: 1 }, "invalid: (root): must NOT have additional properties (extra)"],
    ["props that are not an object", { ...envelope, props: [1] }, "invalid: props: must be object"],
  ])("%s is rejected with its path", (_, value, error) => {
    const out = decodeEnvelope(record(value));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toStartWith(error);
  });
});

describe("window records and alerts", () => {
  const base = { id: "w1", rule_id: "r", group_key: "g", window_start: 0, window_end: 60_000, revision: 1 };

  test("both kinds of window record decode, unknown fields pass through", () => {
    const result = { kind: "result", ...base, group: {}, closed: true, values: { n: 1 }, added_later: true };
    const retraction = { kind: "retraction", ...base, merged_into: "w2" };
    expect(decodeWindowRecord(record(result))).toEqual({ ok: true, value: result as never });
    expect(decodeWindowRecord(record(retraction))).toEqual({ ok: true, value: retraction as never });
  });

  test("a window record of no known kind, or missing what its kind needs, is rejected", () => {
    expect(decodeWindowRecord(record({ kind: "other", ...base })).ok).toBe(false);
    expect(decodeWindowRecord(record({ kind: "retraction", ...base })).ok).toBe(false);
  });

  test("an alert needs its fields and passes unknown ones through", () => {
    const alert = {
      id: "a1", rule_id: "r", rule_version: 1, rule_set_version: "v1", severity: "high", kind: "pattern", title: "t",
      description: "d", app_id: "shop", group_key: "g", dedup_key: "k", ts: 5, annotations: { x: 1 },
    };
    expect(decodeAlert(record(alert))).toEqual({ ok: true, value: alert as never });
    expect(decodeAlert(record({ ...alert, kind: "other" })).ok).toBe(false);
  });
});

test("bytes that are not UTF-8 are read as Buffer.toString reads them: replaced, not thrown", () => {
  const bytes = Buffer.from(JSON.stringify({ ...envelope, props: { name: "A" } }));
  bytes[bytes.indexOf('"A"') + 1] = 0xff; // a lone continuation byte
  const out = decodeEnvelope({ ...record(envelope), value: bytes });
  expect(out).toEqual({ ok: true, value: { ...envelope, props: { name: "\ufffd" } } });
});
