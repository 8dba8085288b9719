/** Loads schemas/fluxgate.proto and the standard health.proto once, with the options both the server and test clients use. */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { wireSpecOf, type WireSpec } from "./decode.ts";

export const FLUXGATE_PROTO = new URL("../../schemas/fluxgate.proto", import.meta.url).pathname;
export const HEALTH_PROTO = new URL("./health.proto", import.meta.url).pathname;

// keepCase keeps the envelope's snake_case names; longs as Number (ms timestamps fit a double);
// oneofs tells an explicit ts = 0 from an unset one.
export const loaderOptions: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

interface Loaded {
  ingest: grpc.ServiceClientConstructor;
  health: grpc.ServiceClientConstructor;
  /** String and message fields of every fluxgate.v1 message, for the strict UTF-8 check (decode.ts). */
  wire: WireSpec;
}

let loaded: Loaded | undefined;

export function loadProtos(): Loaded {
  if (!loaded) {
    const definition = protoLoader.loadSync([FLUXGATE_PROTO, HEALTH_PROTO], loaderOptions);
    const pkg = grpc.loadPackageDefinition(definition) as any;
    loaded = { ingest: pkg.fluxgate.v1.Ingest, health: pkg.grpc.health.v1.Health, wire: wireSpecOf(definition, "fluxgate.v1") };
  }
  return loaded;
}

/** The proto's messages as the loader hands them over (defaults filled in). */
export interface EventMessage {
  event_id: string;
  app_id: string;
  type: string;
  event_time?: "ts" | "ts_rfc3339";
  ts?: number;
  ts_rfc3339?: string;
  received_at: number;
  key: string;
  user_id: string;
  session_id: string;
  props_json: string;
  source: string;
}

export interface AckMessage {
  seq: number;
  accepted: number;
  event_ids: string[];
  rejected: { index: number; code: string; errors: { path: string; message: string }[] }[];
  refused: "REFUSAL_NONE" | "REFUSAL_RATE_LIMITED" | "REFUSAL_UNAVAILABLE" | "REFUSAL_INVALID" | "REFUSAL_INTERNAL";
  retry_after_ms: number;
  message: string;
}
