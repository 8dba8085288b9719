import { expect, test } from "bun:test";
import { depthExceededAt, parseJsonBytes, parseJsonText, pathAtEnd } from "./json.ts";

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

test("strict UTF-8: invalid bytes are refused with the JSON path they sit in, never turned into U+FFFD", () => {
  expect(parseJsonBytes(bytes('{"user_id":"a', [0xff], '"}'), 32)).toEqual({ ok: false, problem: "invalid_utf8", errors: [{ path: "user_id", message: "invalid UTF-8 at byte 13" }] });
  const inProps = parseJsonBytes(bytes('[{"app_id":"x"},{"props":{"name":"', [0xc3, 0x28], '"}}]'), 32);
  expect(inProps).toMatchObject({ ok: false, problem: "invalid_utf8", errors: [{ path: "1.props.name" }] });
  // overlong encodings, lone surrogates and truncated sequences are invalid too
  for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) expect(parseJsonBytes(bytes('{"k":"', bad, '"}'), 32)).toMatchObject({ ok: false, problem: "invalid_utf8" });
  expect(parseJsonBytes(bytes('{"k":"é € 😀 \\ufffd"}'), 32)).toEqual({ ok: true, value: { k: "é € 😀 \ufffd" } });
});

test("nesting beyond the bound is found by one scan before JSON.parse, with the path; strings do not count", () => {
  const deep = '{"props":' + '{"a":'.repeat(50_000) + "1" + "}".repeat(50_001);
  const r = parseJsonText(deep, 35);
  expect(r).toMatchObject({ ok: false, problem: "too_deep", errors: [{ path: `props${".a".repeat(34)}`, message: "nested deeper than 35 levels" }] });
  expect(depthExceededAt('{"s":"[[[[[[{{{{\\"[[["}', 2)).toBe(-1);
  expect(depthExceededAt("[[[]]]", 2)).toBe(2);
  expect(parseJsonText("[[1]]", 2)).toEqual({ ok: true, value: [[1]] });
});

test("paths name keys and array indexes at the point a prefix ends", () => {
  expect(pathAtEnd('{"events":[{"a":1},{"props":{"x":[1,2,')).toBe("events.1.props.x.2");
  expect(pathAtEnd('{"a":{"b\\"c":')).toBe('a.b\\"c');
  expect(pathAtEnd("")).toBe("(body)");
});

test("not JSON is its own problem", () => {
  expect(parseJsonText("{nope", 32)).toMatchObject({ ok: false, problem: "invalid_json", errors: [{ path: "(body)", message: expect.stringContaining("not JSON") }] });
});
