/** What a /v1/stream client frame may look like. */
import { describe, expect, test } from "bun:test";
import { parseClientFrame } from "./frame.ts";

describe("parseClientFrame", () => {
  test("takes a batch or a single event, text or binary", () => {
    expect(parseClientFrame('{"seq":1,"events":[{"a":1},{"a":2}]}', 10, 32)).toEqual({ ok: true, seq: 1, events: [{ a: 1 }, { a: 2 }] });
    expect(parseClientFrame(Buffer.from('{"seq":0,"event":{"a":1}}'), 10, 32)).toEqual({ ok: true, seq: 0, events: [{ a: 1 }] });
  });

  test("names what is wrong with a frame, keeping the seq when there is one", () => {
    expect(parseClientFrame("[1]", 10, 32)).toMatchObject({ ok: false, seq: null, code: "bad_frame" });
    expect(parseClientFrame('{"seq":-1,"event":{}}', 10, 32)).toMatchObject({ ok: false, seq: null, code: "bad_frame" });
    expect(parseClientFrame('{"seq":1.5,"event":{}}', 10, 32)).toMatchObject({ ok: false, seq: null });
    expect(parseClientFrame('{"seq":2,"event":{},"events":[{}]}', 10, 32)).toMatchObject({ ok: false, seq: 2, code: "bad_frame" });
    expect(parseClientFrame('{"seq":3,"events":{}}', 10, 32)).toMatchObject({ ok: false, seq: 3, code: "bad_frame" });
    expect(parseClientFrame('{"seq":4,"events":[{},{},{}]}', 2, 32)).toMatchObject({ ok: false, seq: 4, code: "too_large" });
  });
});
