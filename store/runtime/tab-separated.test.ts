import { expect, test } from "bun:test";
import { tabJson, tabText } from "./tab-separated.ts";

test("escapes what tab-separated text treats specially, and nothing else", () => {
  expect(tabText("plain ü")).toBe("plain ü");
  expect(tabText("a\tb\nc\rd\\e")).toBe("a\\tb\\nc\\rd\\\\e");
  expect(tabText(undefined)).toBe("\\N");
  expect(tabText(null)).toBe("\\N");
});

test("JSON text only has its backslashes doubled", () => {
  expect(tabJson(JSON.stringify({ q: 'a "b"\n\t' }))).toBe('{"q":"a \\\\"b\\\\"\\\\n\\\\t"}');
  expect(tabJson('{"plain":1}')).toBe('{"plain":1}');
});
