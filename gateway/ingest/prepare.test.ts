import { expect, test } from "bun:test";
import { envelopeInputSchema } from "../../schemas/envelope.ts";
import { acceptEnvelope, prepareEvent, type PrepareSettings } from "./prepare.ts";

const principal = { keyId: "k1", appId: "shop" };
const settings: PrepareSettings = { maxEventBytes: 32_768, unknownTypes: "reject" };
const at = Date.UTC(2026, 10, 23, 8);

test("enrichment: UUIDv7 id, received_at, ts from received_at, key from user_id, source", () => {
  const p = prepareEvent({ app_id: "shop", type: "signup", user_id: "u1", props: { plan: "pro" } }, principal, "http", at, settings);
  if (!p.ok) throw new Error(JSON.stringify(p));
  expect(p.envelope).toMatchObject({ app_id: "shop", type: "signup", ts: at, received_at: at, key: "u1", user_id: "u1", source: "http" });
  expect(p.envelope.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  expect(JSON.parse(p.value.toString())).toEqual(p.envelope);
});

test("a client's event_id, RFC 3339 ts and key are kept; key falls back to session_id, then event_id", () => {
  const id = "0190b3c2-0000-7000-8000-000000000001";
  const p = prepareEvent({ event_id: id, app_id: "shop", type: "signup", ts: "2026-01-05T10:00:00Z", session_id: "s9" }, principal, "ws", at, settings);
  if (!p.ok) throw new Error(JSON.stringify(p));
  expect(p.envelope).toMatchObject({ event_id: id, ts: Date.UTC(2026, 0, 5, 10), key: "s9", props: {} });
  const q = prepareEvent({ event_id: id, app_id: "shop", type: "signup" }, principal, "grpc", at, settings);
  expect(q.ok && q.envelope.key).toBe(id);
});

test("every rejection names the field and the rule", () => {
  const bad = prepareEvent({ app_id: "shop", type: "checkout_completed", ts: "yesterday", props: { amount: -1 } }, principal, "http", at, settings);
  expect(bad).toMatchObject({ ok: false, code: "invalid" });
  if (bad.ok) throw new Error("unreachable");
  expect(bad.errors.map((e) => e.path)).toEqual(["ts"]);
  const props = prepareEvent({ app_id: "shop", type: "checkout_completed", props: { amount: -1 } }, principal, "http", at, settings);
  expect(props).toMatchObject({ ok: false, code: "invalid", errors: [{ path: "props.amount" }] });
  expect(prepareEvent({ app_id: "shop", type: "signup", extra: 1 }, principal, "http", at, settings)).toMatchObject({ ok: false, code: "invalid", errors: [{ path: "(event)" }] });
  expect(prepareEvent([1], principal, "http", at, settings)).toMatchObject({ ok: false, code: "invalid", errors: [{ message: "expected an event object" }] });
  expect(prepareEvent({ app_id: "other", type: "signup" }, principal, "http", at, settings)).toMatchObject({ ok: false, code: "app_mismatch", errors: [{ path: "app_id" }] });
});

test("unknown types follow the policy; the size limit applies to the event as published", () => {
  expect(prepareEvent({ app_id: "shop", type: "teleported" }, principal, "http", at, settings)).toMatchObject({ ok: false, code: "unknown_type" });
  expect(prepareEvent({ app_id: "shop", type: "teleported" }, principal, "http", at, { ...settings, unknownTypes: "accept" }).ok).toBe(true);
  const big = prepareEvent({ app_id: "shop", type: "signup", props: { blob: "x".repeat(40_000) } }, principal, "http", at, settings);
  expect(big).toMatchObject({ ok: false, code: "too_large" });
});

const pathsOf = (p: ReturnType<typeof prepareEvent>) => (p.ok ? [] : p.errors.map((e) => e.path));

test("ts must be a Date JavaScript can hold, from 1970, and at most the configured skew ahead (issue 19 #1)", () => {
  const tsOf = (ts: unknown, s = settings) => prepareEvent({ app_id: "shop", type: "signup", ts }, principal, "http", at, s);
  for (const bad of [9_000_000_000_000_000, 8.64e15 + 1, -1, "1969-12-31T23:59:59Z", "+275760-09-13T00:00:00.001Z"]) {
    expect(tsOf(bad)).toMatchObject({ ok: false, code: "invalid" });
    expect(pathsOf(tsOf(bad))).toEqual(["ts"]);
  }
  expect(tsOf(at + 86_400_000 + 1)).toMatchObject({ ok: false, errors: [{ path: "ts", message: expect.stringContaining("FG_GATEWAY_MAX_FUTURE_SKEW_MS") }] });
  expect(tsOf(at + 86_400_000).ok).toBe(true);
  expect(tsOf(new Date(at + 3_600_000).toISOString()).ok).toBe(true);
  expect(tsOf(0).ok).toBe(true);
  expect(tsOf(at + 10_000, { ...settings, maxFutureSkewMs: 5_000 })).toMatchObject({ ok: false, errors: [{ path: "ts" }] });
});

test("a UUIDv7 event_id without ts gives the event its time, so a resend is the same event (issue 19 #2)", () => {
  const idAt = (ms: number) => `${ms.toString(16).padStart(12, "0").replace(/^(.{8})(.{4})$/, "$1-$2")}-7abc-8def-0123456789ab`;
  const id = idAt(at - 60_000);
  const first = prepareEvent({ event_id: id, app_id: "shop", type: "signup" }, principal, "http", at, settings);
  const resend = prepareEvent({ event_id: id, app_id: "shop", type: "signup" }, principal, "http", at + 5_000, settings);
  if (!first.ok || !resend.ok) throw new Error("expected both accepted");
  expect(first.envelope.ts).toBe(at - 60_000);
  expect(resend.envelope.ts).toBe(first.envelope.ts);
  // A v4 id carries no time: ts is received_at. An explicit ts always wins.
  const v4 = prepareEvent({ event_id: "0190b3c2-0000-4000-8000-000000000001", app_id: "shop", type: "signup" }, principal, "http", at, settings);
  expect(v4.ok && v4.envelope.ts).toBe(at);
  const given = prepareEvent({ event_id: id, app_id: "shop", type: "signup", ts: 5 }, principal, "http", at, settings);
  expect(given.ok && given.envelope.ts).toBe(5);
  // The id's time obeys the ts rules, named after the field it came from.
  expect(pathsOf(prepareEvent({ event_id: idAt(at + 2 * 86_400_000), app_id: "shop", type: "signup" }, principal, "http", at, settings))).toEqual(["event_id"]);
});

test("props nest at most maxDepth levels, checked without recursion; the error names the path (issue 19 #9)", () => {
  const nest = (levels: number) => {
    const props: Record<string, unknown> = {};
    let cur = props;
    for (let i = 1; i < levels; i++) cur = (cur.a = {}) as Record<string, unknown>;
    return props;
  };
  expect(prepareEvent({ app_id: "shop", type: "signup", props: nest(32) }, principal, "http", at, settings).ok).toBe(true);
  const deep = prepareEvent({ app_id: "shop", type: "signup", props: nest(33) }, principal, "http", at, settings);
  expect(deep).toMatchObject({ ok: false, code: "invalid", errors: [{ path: `props${".a".repeat(32)}`, message: expect.stringContaining("32 levels") }] });
  // 200,000 levels: a recursive walk (or zod, or JSON.stringify) would overflow the stack; this one answers.
  const huge = prepareEvent({ app_id: "shop", type: "signup", props: nest(200_000) }, principal, "http", at, settings);
  expect(huge).toMatchObject({ ok: false, code: "invalid", errors: [{ path: expect.stringMatching(/^props(\.a){32}$/) }] });
  expect(pathsOf(prepareEvent({ app_id: "shop", type: "signup", props: nest(5) }, principal, "http", at, { ...settings, maxDepth: 4 }))).toEqual(["props.a.a.a.a"]);
});

test("props.__proto__ is refused by name, never dropped silently (issue 19 #11)", () => {
  for (const body of ['{"props":{"__proto__":{"a":1},"b":2}}', '{"props":{"b":{"__proto__":1}}}']) {
    const raw = { app_id: "shop", type: "signup", ...JSON.parse(body) };
    const p = prepareEvent(raw, principal, "http", at, settings);
    expect(p).toMatchObject({ ok: false, code: "invalid", errors: [{ path: expect.stringContaining("__proto__"), message: expect.stringContaining("__proto__") }] });
  }
});

test("the envelope fast path accepts only what the schema accepts, with the schema's output", () => {
  const base = { event_id: "0190b3c2-0000-7000-8000-000000000001", app_id: "shop", type: "page_view", ts: at, key: "k", user_id: "u1", session_id: "s1", props: { url: "/", n: 1 } };
  // Every field set to values of every kind, valid and not, one field at a time and all missing.
  const values: unknown[] = [undefined, null, true, 0, -1, 1.5, at, 8.64e15, 8.64e15 + 1, Number.MAX_SAFE_INTEGER, "", "x", "x".repeat(256), "x".repeat(257), "Shop", "page.view", "9page",
    "2026-01-05T10:00:00Z", "0190b3c2-0000-7000-8000-000000000001", "0190b3c2-0000-7000-8000-00000000000g", "00000000-0000-0000-0000-000000000000", [], [1], {}, { a: { b: 1 } }];
  const cases: Record<string, unknown>[] = [base, { app_id: "shop", type: "signup" }, { ...base, extra: 1 }, JSON.parse('{"app_id":"shop","type":"signup","__proto__":{}}')];
  for (const field of Object.keys(base)) for (const v of values) cases.push({ ...base, [field]: v });
  let fast = 0;
  for (const raw of cases) {
    const accepted = acceptEnvelope(raw);
    const schema = envelopeInputSchema.safeParse(raw);
    if (accepted) {
      fast++;
      expect(schema.success).toBe(true);
      expect(accepted).toEqual(schema.data!);
    }
  }
  // The common shapes do take the fast path.
  expect(fast).toBeGreaterThan(40);
  expect(acceptEnvelope({ app_id: "shop", type: "signup" })).toEqual({ app_id: "shop", type: "signup", props: {} });
});
