import { expect, test } from "bun:test";
import { checkPayload, declaredFields, declaredFieldsOf, latestVersion, payloadJsonSchema, payloadSchema } from "./index.ts";

test("an event matches any version of its type; the newest that fits is named", () => {
  expect(checkPayload("page_view", { url: "https://x.test/", duration_ms: 12 })).toEqual({ ok: true, version: 2 });
  expect(checkPayload("page_view", { path: "/pricing" })).toEqual({ ok: true, version: 1 });
  expect(latestVersion("page_view")).toBe(2);
});

test("a payload no version accepts is reported against the newest, with field paths", () => {
  const check = checkPayload("checkout_completed", { amount: "12", currency: "usd" });
  expect(check.ok).toBe(false);
  if (check.ok || "unknownType" in check) throw new Error("expected issues");
  expect(check.version).toBe(2);
  expect(check.issues.map((i) => i.path).sort()).toEqual(["props.amount", "props.currency"]);
  expect(check.issues.find((i) => i.path === "props.currency")!.message).toContain("ISO 4217");
});

test("undeclared props pass; unknown types are said to be unknown", () => {
  expect(checkPayload("signup", { plan: "pro", utm_source: "x" }).ok).toBe(true);
  expect(checkPayload("teleported", {})).toEqual({ ok: false, unknownType: true });
});

test("JSON Schema per version, and the declared scalar fields for typed columns", () => {
  const schema = payloadJsonSchema("payment_failed")!;
  expect(schema.required).toEqual(["amount"]);
  expect(payloadJsonSchema("page_view", 1)!.required).toEqual(["path"]);
  expect(payloadJsonSchema("nope")).toBeUndefined();
  const fields = declaredFields();
  expect(fields).toContainEqual({ name: "amount", type: "number" });
  expect(fields).toContainEqual({ name: "url", type: "string" });
  expect(fields.find((f) => f.name === "items")).toBeUndefined();
});

test("the registry looks schemas up by type and version, newest by default", () => {
  expect(payloadSchema("page_view")).toBe(payloadSchema("page_view", 2)!);
  expect(payloadSchema("page_view", 1)!.safeParse({ path: "/" }).success).toBe(true);
  expect(payloadSchema("page_view", 3)).toBeUndefined();
  expect(payloadSchema("teleported")).toBeUndefined();
});

test("declared fields per type: path and scalar type across its versions", () => {
  expect(declaredFieldsOf("checkout_completed")).toEqual([
    { path: "amount", type: "number" }, { path: "currency", type: "string" }, { path: "order_id", type: "string" },
  ]);
  expect(declaredFieldsOf("page_view")!.map((f) => f.path)).toEqual(["duration_ms", "path", "referrer", "title", "url"]);
  expect(declaredFieldsOf("teleported")).toBeUndefined();
});
