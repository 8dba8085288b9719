/** @grpc/grpc-js clients for the gRPC tests: promisified unary calls that keep the status and trailers. */
import * as grpc from "@grpc/grpc-js";
import type { AckMessage } from "../../../gateway/grpc/proto.ts";
import { loadProtos } from "../../../gateway/grpc/proto.ts";

export type UnaryResult = { ok: true; ack: AckMessage } | { ok: false; code: grpc.status; details: string; trailers: Record<string, unknown> };

export function ingestClient(port: number, options: grpc.ClientOptions = {}) {
  const Ctor = loadProtos().ingest;
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options) as grpc.Client & Record<string, any>;
}

export function healthClient(port: number) {
  return new (loadProtos().health)(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
}

export function keyMetadata(entries: Record<string, string>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(entries)) md.set(k, v);
  return md;
}

export function unaryCall(client: Record<string, any>, method: string, request: unknown, md: grpc.Metadata): Promise<UnaryResult> {
  return new Promise((resolve) => {
    client[method](request, md, (err: grpc.ServiceError | null, ack: AckMessage) =>
      resolve(err ? { ok: false, code: err.code, details: err.details, trailers: err.metadata?.getMap() ?? {} } : { ok: true, ack }));
  });
}
