import { describe, expect, test } from "bun:test";
import { parquetMetadata } from "hyparquet";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { decodeEnvelopes } from "./decode.ts";
import { encodeEnvelopes } from "./encode.ts";

describe("parquet encoding", () => {
  test("round-trips envelopes, keeping absent optionals absent", async () => {
    const events = sampleEvents(1_000);
    const back = await decodeEnvelopes(encodeEnvelopes(events));
    expect(back).toEqual(events);
    expect(back.some((e) => !("user_id" in e))).toBe(true);
    expect(back.some((e) => !("session_id" in e))).toBe(true);
  });

  test("reads a file that is a view into a larger buffer", async () => {
    const bytes = encodeEnvelopes(sampleEvents(3));
    const padded = new Uint8Array(bytes.byteLength + 10);
    padded.set(bytes, 5);
    expect(await decodeEnvelopes(padded.subarray(5, 5 + bytes.byteLength))).toHaveLength(3);
  });

  test("the same events give the same bytes", () => {
    const events = sampleEvents(50);
    expect(encodeEnvelopes(events)).toEqual(encodeEnvelopes(structuredClone(events)));
  });

  test("has the flat schema: strings as UTF8, times as plain INT64 ms, optionals nullable, Snappy", () => {
    const meta = parquetMetadata(encodeEnvelopes(sampleEvents(10)).buffer as ArrayBuffer);
    const columns = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s]));
    expect(Object.keys(columns)).toEqual(["event_id", "app_id", "type", "ts", "received_at", "key", "user_id", "session_id", "props", "source"]);
    expect(columns.ts).toMatchObject({ type: "INT64", repetition_type: "REQUIRED" });
    expect(columns.ts!.logical_type).toBeUndefined();
    expect(columns.ts!.converted_type).toBeUndefined();
    expect(columns.props).toMatchObject({ type: "BYTE_ARRAY", converted_type: "UTF8" });
    expect(columns.user_id!.repetition_type).toBe("OPTIONAL");
    expect(meta.row_groups[0]!.columns[0]!.meta_data!.codec).toBe("SNAPPY");
  });

  test("an empty batch is a valid file", async () => {
    expect(await decodeEnvelopes(encodeEnvelopes([]))).toEqual([]);
  });
});
