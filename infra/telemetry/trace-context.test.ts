import { expect, test } from "bun:test";
import { derivedTraceparent, formatTraceparent, linksTo, MAX_LINKS, parseTraceparent } from "./trace-context.ts";

const tp = (n: number) => `00-${n.toString(16).padStart(32, "0")}-${"1".repeat(16)}-01`;

test("traceparent parses and formats back; invalid ones (all-zero ids, other versions, garbage) do not parse", () => {
  const value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  expect(formatTraceparent(parseTraceparent(value)!)).toBe(value);
  for (const bad of [undefined, "", "garbage", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`, "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]) {
    expect(parseTraceparent(bad)).toBeUndefined();
  }
});

test("links: one per distinct trace, at most MAX_LINKS", () => {
  expect(linksTo([tp(1), tp(1), "bad", undefined, tp(2)]).map((l) => l.context.traceId)).toEqual([tp(1).slice(3, 35), tp(2).slice(3, 35)]);
  expect(linksTo(Array.from({ length: 500 }, (_, i) => tp(i + 1))).length).toBe(MAX_LINKS);
});

test("without a recording SDK a derived record carries its cause's traceparent; no cause, none", () => {
  expect(derivedTraceparent(tp(7), "x")).toBe(tp(7));
  expect(derivedTraceparent(undefined, "x")).toBeUndefined();
  expect(derivedTraceparent("nonsense", "x")).toBeUndefined();
});
