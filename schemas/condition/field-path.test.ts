/** Field paths: which are accepted, and reading them from an envelope. */
import { expect, test } from "bun:test";
import { fieldReader, pathProblem } from "./field-path.ts";
import { ev } from "../../processor/window/test-kit.ts";

test.each<[string, RegExp | null]>([
  ["user_id", null],
  ["props.country", null],
  ["props.a.b", null],
  ["tpye", /unknown field "tpye"/],
  ["user_id.x", /has no sub-fields/],
  ["props", /props needs a field/],
  ["props..x", /not a field path/],
])("%s", (path, problem) => {
  const p = pathProblem(path);
  if (problem === null) expect(p).toBeNull();
  else expect(p).toMatch(problem);
});

test("reads nested props and envelope fields; missing and inherited keys are undefined", () => {
  const e = ev("e1", 5, { a: { b: 7 }, list: ["x"] }, { user_id: "u1" });
  expect(fieldReader("props.a.b")(e)).toBe(7);
  expect(fieldReader("props.list.0")(e)).toBe("x");
  expect(fieldReader("user_id")(e)).toBe("u1");
  expect(fieldReader("session_id")(e)).toBeUndefined();
  expect(fieldReader("props.a.c")(e)).toBeUndefined();
  expect(fieldReader("props.a.b.c")(e)).toBeUndefined();
  expect(fieldReader("props.constructor")(e)).toBeUndefined();
});
