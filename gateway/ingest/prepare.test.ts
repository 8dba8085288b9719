import { expect, test } from "bun:test";
import { prepareEvent } from "./prepare.ts";

const principal = { keyId: "k1", appId: "shop" };
const settings = { maxEventBytes: 32_768, unknownTypes: "reject" as const };
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
