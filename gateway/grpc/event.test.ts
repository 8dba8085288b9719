/** Proto events into envelope input: proto3 defaults, the ts oneof, props_json. */
import { describe, expect, test } from "bun:test";
import { createFakeIngest } from "../../test/support/gateway/fake-ingest.ts";
import { eventToInput, submitEvents } from "./event.ts";
import type { EventMessage } from "./proto.ts";

const blank: EventMessage = { event_id: "", app_id: "app_a", type: "signup", received_at: 0, key: "", user_id: "", session_id: "", props_json: "", source: "" };

describe("eventToInput", () => {
  test("leaves proto3's empty fields out, so the gateway's defaults apply", () => {
    expect(eventToInput(blank)).toEqual({ ok: true, input: { app_id: "app_a", type: "signup" } });
  });

  test("takes ts from whichever oneof member was set, an explicit 0 included", () => {
    expect(eventToInput({ ...blank, event_time: "ts", ts: 0 })).toMatchObject({ input: { ts: 0 } });
    expect(eventToInput({ ...blank, event_time: "ts_rfc3339", ts_rfc3339: "2026-01-01T00:00:00Z" })).toMatchObject({ input: { ts: "2026-01-01T00:00:00Z" } });
  });

  test("passes gateway-set fields on, for the pipeline to reject by name", () => {
    expect(eventToInput({ ...blank, received_at: 5, source: "http" })).toMatchObject({ input: { received_at: 5, source: "http" } });
  });

  test("parses props_json, and names it when it is not JSON", () => {
    expect(eventToInput({ ...blank, props_json: '{"plan":"pro"}' })).toMatchObject({ input: { props: { plan: "pro" } } });
    expect(eventToInput({ ...blank, props_json: "{" })).toMatchObject({ ok: false, errors: [{ path: "props_json" }] });
  });
});

describe("submitEvents", () => {
  test("keeps each result at its request index around events that could not be converted", async () => {
    const ingest = createFakeIngest();
    const outcome = await submitEvents(ingest, { keyId: "ka", appId: "app_a" }, [{ ...blank, props_json: "{" }, blank, { ...blank, props_json: "[" }, blank]);
    if (outcome.kind !== "done") throw new Error(outcome.kind);
    expect(outcome.results.map((r) => [r.index, r.status])).toEqual([[0, "rejected"], [1, "accepted"], [2, "rejected"], [3, "accepted"]]);
  });
});
