import { expect, test } from "bun:test";
import { isThrottleRecord, savedThrottles, throttleDelta } from "./throttle-records.ts";

test("throttle periods round-trip through records of their own family, dedup keys with colons included", () => {
  const delta = throttleDelta({ started: new Map([["rule:shop:u1", 600_000]]), ended: new Set(["rule:shop:u2"]) });
  expect(delta).toEqual({ put: new Map([["t:rule:shop:u1", "600000"]]), del: ["t:rule:shop:u2"] });
  expect([...delta.put.keys()].every(isThrottleRecord)).toBe(true);
  expect(isThrottleRecord("w:rule:g:x")).toBe(false);
  expect(savedThrottles({ ...Object.fromEntries(delta.put), e: "{}", "d:event-1": "5" })).toEqual([["rule:shop:u1", 600_000]]);
});
