/** Session merging on intervals alone. */
import { expect, test } from "bun:test";
import { mergeSession } from "./session.ts";

const sessions = [
  { start: 0, end: 10 },
  { start: 18, end: 28 },
  { start: 50, end: 60 },
];

test("an event between two sessions that reaches both bridges them", () => {
  expect(mergeSession(sessions, { start: 9, end: 19 })).toEqual({ absorbed: [0, 1], merged: { start: 0, end: 28 } });
});

test("an event inside one session extends nothing but joins it", () => {
  expect(mergeSession(sessions, { start: 20, end: 30 })).toEqual({ absorbed: [1], merged: { start: 18, end: 30 } });
});

test("an earlier event moves a session's start back", () => {
  expect(mergeSession(sessions, { start: 45, end: 55 })).toEqual({ absorbed: [2], merged: { start: 45, end: 60 } });
});

test("a pause of exactly the gap starts a new session (touching intervals do not merge)", () => {
  expect(mergeSession(sessions, { start: 10, end: 18 })).toEqual({ absorbed: [], merged: { start: 10, end: 18 } });
  expect(mergeSession(sessions, { start: 28, end: 38 })).toEqual({ absorbed: [], merged: { start: 28, end: 38 } });
});

test("one long proposal can absorb every session", () => {
  expect(mergeSession(sessions, { start: -5, end: 100 }).absorbed).toEqual([0, 1, 2]);
});
