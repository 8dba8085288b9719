/** The gateway's gRPC front: startGrpcServer, its settings, and the proto's location for clients. */
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { GrpcConfig } from "./config.ts";
import type { GrpcServerOptions } from "./server.ts";

export { grpcEnv, type GrpcConfig } from "./config.ts";
export { FLUXGATE_PROTO } from "./proto.ts";
export { startGrpcServer, type GrpcServer, type GrpcServerOptions } from "./server.ts";

/** The server's settings from the parsed env: messages and batches share the HTTP request and batch limits. */
export function grpcServerOptions(
  env: GrpcConfig & { FG_GRPC_PORT: number; FG_GATEWAY_MAX_REQUEST_BYTES: number; FG_GATEWAY_MAX_BATCH: number; FG_GATEWAY_MAX_DEPTH: number; FG_GATEWAY_KEY_CACHE_TTL_MS: number },
  logger?: Logger,
): GrpcServerOptions {
  return {
    maxDepth: env.FG_GATEWAY_MAX_DEPTH, keyRecheckMs: env.FG_GATEWAY_KEY_CACHE_TTL_MS,
    host: env.FG_GRPC_HOST, port: env.FG_GRPC_PORT, maxMessageBytes: env.FG_GATEWAY_MAX_REQUEST_BYTES, maxBatch: env.FG_GATEWAY_MAX_BATCH,
    maxInflightBatches: env.FG_GRPC_MAX_INFLIGHT_BATCHES, drainMs: env.FG_GRPC_DRAIN_MS, logger,
  };
}
