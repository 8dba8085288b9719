/** Window assignment per kind, with the windows worked out by hand. */
import { expect, test } from "bun:test";
import { assignWindows } from "./assign.ts";
import { specOf } from "./test-kit.ts";

test.each<[string, number, [number, number][]]>([
  ["first instant", 0, [[0, 10]]],
  ["last instant of the first window", 9, [[0, 10]]],
  ["an end belongs to the next window", 10, [[10, 20]]],
  ["far on", 12_345, [[12_340, 12_350]]],
])("tumbling 10: %s (ts %p)", (_label, ts, expected) => {
  expect(assignWindows(specOf({ kind: "tumbling", size_ms: 10 }), ts)).toEqual(expected.map(([start, end]) => ({ start, end })));
});

test.each<[number, number, number, [number, number][]]>([
  [10, 5, 12, [[5, 15], [10, 20]]],
  [10, 5, 10, [[5, 15], [10, 20]]],
  [10, 5, 4, [[-5, 5], [0, 10]]],
  [10, 3, 7, [[0, 10], [3, 13], [6, 16]]], // starts 6, 3, 0 (all > 7 - 10)
  [10, 10, 25, [[20, 30]]],
])("hopping size %p slide %p: ts %p", (size_ms, slide_ms, ts, expected) => {
  expect(assignWindows(specOf({ kind: "hopping", size_ms, slide_ms }), ts)).toEqual(expected.map(([start, end]) => ({ start, end })));
});

test("session: an event proposes [ts, ts + gap)", () => {
  expect(assignWindows(specOf({ kind: "session", gap_ms: 30 }), 100)).toEqual([{ start: 100, end: 130 }]);
});
