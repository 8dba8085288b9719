import { expect, test } from "bun:test";
import { eventTypes } from "../../schemas/events/types.ts";
import { compileSchema, fastPayloadVersion } from "./payload-check.ts";

// Values of every kind and edge: each declared field of each version is set to each of them.
const values: unknown[] = [undefined, null, true, false, 0, -0.5, 1, 2.5, -1, 1e12, 1e12 + 1, 2 ** 53, Number.NaN, "", "a", "USD", "usd", "EURO", "web", "tv", "warning",
  "x".repeat(64), "x".repeat(65), "x".repeat(256), "x".repeat(257), "x".repeat(2048), "x".repeat(2049), [], [{}], [{ product_id: "p", quantity: 1, price: 2 }],
  [{ product_id: "", quantity: 1, price: 2 }], [{ product_id: "p", quantity: 0, price: 2 }], [{ product_id: "p", quantity: 1.5, price: 2 }], {}, { a: 1 }];

test("a compiled payload check is true only where the zod schema accepts", () => {
  let compiledCount = 0;
  let accepted = 0;
  for (const [type, versions] of Object.entries(eventTypes)) {
    for (const schema of versions) {
      const check = compileSchema(schema);
      if (!check) continue;
      compiledCount++;
      const fields = Object.keys(schema.shape);
      const cases: unknown[] = [{}, null, [], "x", { extra: 1 }];
      for (const f of fields) for (const v of values) cases.push({ [f]: v }, { [f]: v, other: "kept" });
      // Pairs of fields, so required ones meet their neighbours.
      for (const f of fields) for (const g of fields) for (const v of values) for (const w of values.slice(0, 12)) cases.push({ [f]: v, [g]: w });
      for (const props of cases) {
        if (!check(props)) continue;
        accepted++;
        expect({ type, props, ok: schema.safeParse(props).success }).toEqual({ type, props, ok: true });
      }
    }
  }
  // Every schema of schemas/events compiles, and the checks do accept things.
  expect(compiledCount).toBe(Object.values(eventTypes).flat().length);
  expect(accepted).toBeGreaterThan(500);
});

test("the newest version that surely accepts is named; unknown types and doubtful props are left to zod", () => {
  expect(fastPayloadVersion("page_view", { url: "/", referrer: "https://example.com/", duration_ms: 12 })).toBe(2);
  // v2 needs url: a v1 page view is v1's.
  expect(fastPayloadVersion("page_view", { path: "/" })).toBe(1);
  expect(fastPayloadVersion("checkout_completed", { amount: -1 })).toBeUndefined();
  expect(fastPayloadVersion("no_such_type", {})).toBeUndefined();
});
