/**
 * The gateway's gRPC server: fluxgate.v1.Ingest and grpc.health.v1.Health on @grpc/grpc-js.
 * Stopping drains: new calls are refused, open streams answer the batches they took and end,
 * unary calls finish; whatever is still open after the deadline is cut.
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { Ingest } from "../ingest/types.ts";
import { withSafeDecoding } from "./decode.ts";
import { createHealthService } from "./health.ts";
import { createIngestService } from "./ingest-service.ts";
import { loadProtos } from "./proto.ts";

export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Largest message accepted; larger ones fail with RESOURCE_EXHAUSTED before any processing. */
  maxMessageBytes: number;
  maxBatch: number;
  maxInflightBatches: number;
  /** FG_GATEWAY_MAX_DEPTH: props_json levels, checked before it is parsed. */
  maxDepth?: number;
  /** How often open streams' keys are checked again (FG_GATEWAY_KEY_CACHE_TTL_MS). */
  keyRecheckMs?: number;
  /** How long stop() lets open calls finish before cutting them. */
  drainMs: number;
  /** How often health Watch calls re-check readiness (default 1 s). */
  healthWatchMs?: number;
  logger?: Logger;
}

export interface GrpcServer {
  port: number;
  stop(): Promise<void>;
}

export async function startGrpcServer(ingest: Ingest, opts: GrpcServerOptions): Promise<GrpcServer> {
  const protos = loadProtos();
  const server = new grpc.Server({
    "grpc.max_receive_message_length": opts.maxMessageBytes,
    "grpc.max_send_message_length": opts.maxMessageBytes,
    // A Stream can be quiet for long: ping it so a vanished client's call ends instead of lingering.
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    // Let clients keep their own connections warm without being told "too many pings".
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  });
  const service = createIngestService(ingest, opts);
  const health = createHealthService(() => ingest.isReady(), opts.healthWatchMs);
  server.addService(withSafeDecoding(protos.ingest.service, protos.wire), service.impl);
  server.addService(protos.health.service, health.impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
  opts.logger?.info("gRPC listening", { host: opts.host, port });

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    health.stop();
    const graceful = (async () => {
      await service.drain();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), opts.drainMs)));
    if ((await Promise.race([graceful, deadline])) === "late") {
      opts.logger?.warn("gRPC calls still open after the drain deadline; cutting them", { drainMs: opts.drainMs });
      server.forceShutdown();
    }
    clearTimeout(timer);
  };
  return { port, stop: () => (stopped ??= stop()) };
}
