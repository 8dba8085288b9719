import { expect, test } from "bun:test";
import { traceContext } from "./trace.ts";

test("a valid traceparent is continued; a missing or malformed one starts a new trace", () => {
  const given = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  expect(traceContext(given)).toBe(given);
  for (const bad of [undefined, "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"]) {
    expect(traceContext(bad)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceContext(bad)).not.toBe(given);
  }
  expect(traceContext(undefined)).not.toBe(traceContext(undefined));
});
