/** The gRPC front's settings (FG_GRPC_*), merged into the one schema in infra/config. Port: FG_GRPC_PORT; message and batch sizes share FG_GATEWAY_MAX_REQUEST_BYTES / FG_GATEWAY_MAX_BATCH. */
import { z } from "zod";
import { positiveInt } from "../../infra/config/types.ts";

export const grpcEnv = {
  FG_GRPC_HOST: z.string().default("127.0.0.1").describe("Gateway gRPC bind address (0.0.0.0 to serve other hosts)"),
  FG_GRPC_MAX_INFLIGHT_BATCHES: positiveInt.default(64)
    .describe("Batches one gRPC Stream may have unacknowledged; beyond it the server stops reading (HTTP/2 flow control slows the client)"),
  FG_GRPC_DRAIN_MS: positiveInt.default(10_000)
    .describe("On stop, how long open gRPC calls get to finish before they are cut"),
};

export const grpcConfigSchema = z.object(grpcEnv);
export type GrpcConfig = z.infer<typeof grpcConfigSchema>;
