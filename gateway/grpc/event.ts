/**
 * Proto Event -> the JSON envelope input the pipeline checks, so gRPC events meet exactly the
 * same schema checks as HTTP ones. proto3 cannot tell an empty string from an absent one, so
 * empty optional fields are left out; props travel as JSON text (see docs/protocols.md).
 */
import { parseJsonText } from "../ingest/json.ts";
import { DEFAULT_MAX_DEPTH } from "../ingest/prepare.ts";
import type { EventResult, FieldError, Ingest, Principal, SubmitOutcome } from "../ingest/types.ts";
import type { EventMessage } from "./proto.ts";

type Converted = { ok: true; input: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/** `maxDepth`: props levels (FG_GATEWAY_MAX_DEPTH); props_json is bounded to it before it is parsed, as HTTP bodies are. */
export function eventToInput(e: EventMessage, maxDepth = DEFAULT_MAX_DEPTH): Converted {
  const input: Record<string, unknown> = { app_id: e.app_id, type: e.type };
  if (e.event_id) input.event_id = e.event_id;
  if (e.event_time === "ts") input.ts = e.ts;
  else if (e.event_time === "ts_rfc3339") input.ts = e.ts_rfc3339;
  if (e.key) input.key = e.key;
  if (e.user_id) input.user_id = e.user_id;
  if (e.session_id) input.session_id = e.session_id;
  // Gateway-set fields are passed on when sent so the pipeline rejects them by name, as over HTTP.
  if (e.received_at) input.received_at = e.received_at;
  if (e.source) input.source = e.source;
  if (e.props_json) {
    const props = parseJsonText(e.props_json, maxDepth);
    if (!props.ok) {
      const [error] = props.errors;
      // The same path as over HTTP (props.a.a…); a props_json that is not JSON is named as the field.
      return { ok: false, errors: [props.problem === "invalid_json" ? { path: "props_json", message: error!.message } : { path: `props.${error!.path}`, message: error!.message }] };
    }
    input.props = props.value;
  }
  return { ok: true, input };
}

/** Submits the convertible events and merges the conversion failures back in at their indexes. */
export async function submitEvents(ingest: Ingest, principal: Principal, events: EventMessage[], maxDepth = DEFAULT_MAX_DEPTH): Promise<SubmitOutcome> {
  const converted = events.map((e) => eventToInput(e, maxDepth));
  const inputs: unknown[] = [];
  const positions: number[] = [];
  converted.forEach((c, i) => {
    if (c.ok) {
      inputs.push(c.input);
      positions.push(i);
    }
  });
  const outcome = inputs.length ? await ingest.submit(principal, inputs, "grpc") : ({ kind: "done", results: [] } as SubmitOutcome);
  if (outcome.kind !== "done" || inputs.length === events.length) return outcome;
  const results: EventResult[] = converted.map((c, index) =>
    c.ok ? { index, status: "rejected", code: "invalid", errors: [] } : { index, status: "rejected", code: "invalid", errors: c.errors });
  for (const r of outcome.results) results[positions[r.index]!] = { ...r, index: positions[r.index]! };
  return { kind: "done", results };
}
