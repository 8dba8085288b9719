/** The compiler builds a checked spec's NFA once: every partition's runner of a rule shares it. */
import { expect, test } from "bun:test";
import { compilePattern, nfaFor, type PatternSpecInput } from "./index.ts";

const input: PatternSpecInput = {
  id: "shared",
  steps: [
    { name: "a", contiguity: "begin", where: { field: "type", op: "eq", value: "a" } },
    { name: "b", contiguity: "followedBy", where: { field: "type", op: "eq", value: "b" } },
  ],
};

test("a checked spec's NFA is built once and shared; another spec object gets its own", () => {
  const first = compilePattern(input);
  if (!first.ok) throw new Error(first.error);
  expect(nfaFor(first.spec)).toBe(first.nfa);
  expect(nfaFor(first.spec)).toBe(nfaFor(first.spec));
  const again = compilePattern(input);
  if (!again.ok) throw new Error(again.error);
  expect(again.nfa).not.toBe(first.nfa);
  expect(again.nfa.fingerprint).toBe(first.nfa.fingerprint);
});
