import { expect, test } from "bun:test";
import { copyJson, eventCopyLine } from "./copy-text.ts";

test("JSON keeps its own escapes, doubled for COPY, and NUL becomes a replacement character", () => {
  expect(copyJson({ q: 'say "hi"\n' })).toBe('{"q":"say \\\\"hi\\\\"\\\\n"}');
  expect(copyJson({ z: "a\u0000b" })).toBe('{"z":"a\\\\ufffdb"}');
  expect(copyJson({ z: "\\u0000" })).toBe('{"z":"\\\\\\\\u0000"}');
});

test("an event becomes one line with its UTC hour (the dedup bucket) and its optional fields as NULL", () => {
  const line = eventCopyLine({
    event_id: "e1", app_id: "a", type: "t", ts: 3_599_999, received_at: 1, key: "k", props: {}, source: "http",
  });
  expect(line).toBe("e1\ta\tt\t1970-01-01T00:59:59.999Z\t1970-01-01T00:00:00.000Z\t1970-01-01T00:00:00.001Z\tk\t\\N\t\\N\thttp\t{}\n");
});
