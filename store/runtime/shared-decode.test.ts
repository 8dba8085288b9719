import { expect, test } from "bun:test";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import type { Decoded } from "./runtime.ts";
import { createSharedDecoder } from "./shared-decode.ts";

const record = (offset: number, value = `{"n":${offset}}`, timestamp = 1): IncomingRecord => ({
  topic: "t", partition: 0, offset: String(offset), key: null, headers: {}, timestamp, value: Buffer.from(value),
});

function counting() {
  const calls: string[] = [];
  const decode = (r: IncomingRecord): Decoded<unknown> => {
    calls.push(r.offset);
    return { ok: true, value: JSON.parse(r.value.toString()) };
  };
  return { calls, decode };
}

test("three readers of a record decode it once, get the same value, and the last one frees it", () => {
  const { calls, decode } = counting();
  const shared = createSharedDecoder(decode, { readers: 3, capacity: 100 });
  const first = shared.decode(record(7));
  expect(shared.size).toBe(1);
  expect(shared.decode(record(7))).toBe(first);
  expect(shared.decode(record(7))).toBe(first);
  expect(calls).toEqual(["7"]);
  expect(shared.size).toBe(0);
  shared.decode(record(7)); // a redelivery after all three took it decodes again
  expect(calls).toEqual(["7", "7"]);
});

test("a reader far behind finds its records evicted and decodes them itself", () => {
  const { calls, decode } = counting();
  const shared = createSharedDecoder(decode, { readers: 2, capacity: 2 });
  for (const offset of [1, 2, 3]) shared.decode(record(offset)); // the fast reader
  expect(shared.size).toBe(2);
  for (const offset of [1, 2, 3]) expect(shared.decode(record(offset))).toEqual({ ok: true, value: { n: offset } });
  expect(calls).toEqual(["1", "2", "3", "1"]); // 1 was evicted; 2 and 3 were still kept
  expect(shared.size).toBe(0);
});

test("what a reader behind decodes is not kept: it would push out what the readers ahead need", () => {
  const { calls, decode } = counting();
  const shared = createSharedDecoder(decode, { readers: 3, capacity: 3 });
  for (const offset of [1, 2, 3, 4, 5, 6]) shared.decode(record(offset)); // the first reader: 4, 5, 6 kept
  for (const offset of [1, 2, 3]) shared.decode(record(offset)); // the last reader, far behind
  expect(shared.size).toBe(3);
  for (const offset of [4, 5, 6]) shared.decode(record(offset)); // the second reader finds them
  expect(calls).toEqual(["1", "2", "3", "4", "5", "6", "1", "2", "3"]);
});

test("the same offset with other bytes (a topic created again) is another record", () => {
  const { decode } = counting();
  const shared = createSharedDecoder(decode, { readers: 2, capacity: 10 });
  shared.decode(record(0, '{"n":"old"}', 100));
  expect(shared.decode(record(0, '{"n":"new!"}', 100))).toEqual({ ok: true, value: { n: "new!" } });
  expect(shared.decode(record(0, '{"n":"new"}', 200))).toEqual({ ok: true, value: { n: "new" } });
});

test("failures are shared too: every reader sends the record to the DLQ with the same error", () => {
  const shared = createSharedDecoder<unknown>(() => ({ ok: false, error: "not JSON" }), { readers: 2, capacity: 10 });
  expect(shared.decode(record(1))).toEqual({ ok: false, error: "not JSON" });
  expect(shared.decode(record(1))).toEqual({ ok: false, error: "not JSON" });
});

test("one reader keeps nothing", () => {
  const { calls, decode } = counting();
  const shared = createSharedDecoder(decode, { readers: 1, capacity: 10 });
  shared.decode(record(1));
  shared.decode(record(1));
  expect(calls).toEqual(["1", "1"]);
  expect(shared.size).toBe(0);
});
