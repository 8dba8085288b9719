/** Session merging on intervals alone: windows of two values (start, end), as a flat record holds them. */
import { expect, test } from "bun:test";
import { overlapRun } from "./session.ts";

const sessions = [0, 10, 18, 28, 50, 60];
/** The indices of the sessions [start, end) overlaps. */
const absorbed = (start: number, end: number): number[] => {
  const { from, to } = overlapRun(sessions, 2, start, end, { from: 0, to: 0 });
  return Array.from({ length: (to - from) / 2 }, (_, i) => from / 2 + i);
};

test("an event between two sessions that reaches both bridges them", () => {
  expect(absorbed(9, 19)).toEqual([0, 1]);
});

test("an event inside one session joins it; an earlier one reaching a session joins it too", () => {
  expect(absorbed(20, 30)).toEqual([1]);
  expect(absorbed(45, 55)).toEqual([2]);
});

test("a pause of exactly the gap starts a new session (touching intervals do not merge), inserted in order", () => {
  expect(absorbed(10, 18)).toEqual([]);
  expect(overlapRun(sessions, 2, 10, 18, { from: 0, to: 0 })).toEqual({ from: 2, to: 2 });
  expect(absorbed(28, 38)).toEqual([]);
  expect(overlapRun(sessions, 2, 28, 38, { from: 0, to: 0 })).toEqual({ from: 4, to: 4 });
  expect(overlapRun(sessions, 2, 70, 80, { from: 0, to: 0 })).toEqual({ from: 6, to: 6 });
});

test("one long proposal can absorb every session", () => {
  expect(absorbed(-5, 100)).toEqual([0, 1, 2]);
});
