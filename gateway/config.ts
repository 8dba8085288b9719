/** The gateway's settings (FG_GATEWAY_*, FG_PRODUCER_*), merged into the one schema in infra/config. */
import { z } from "zod";
import { nonNegativeInt, port, positiveInt } from "../infra/config/types.ts";

export const gatewayEnv = {
  FG_GATEWAY_HOST: z.string().default("127.0.0.1").describe("Gateway HTTP/WebSocket bind address (0.0.0.0 to serve other hosts)"),
  FG_GATEWAY_PORT: port.default(8080).describe("Gateway HTTP/WebSocket port"),
  FG_GRPC_PORT: port.default(50051).describe("Gateway gRPC port"),

  FG_PRODUCER_LINGER_MS: nonNegativeInt.default(5).describe("How long the producer waits to fill a batch"),
  FG_PRODUCER_MAX_BATCH_BYTES: positiveInt.default(1_048_576).describe("A batch is sent once it holds this many bytes"),
  FG_PRODUCER_MAX_INFLIGHT_BYTES: positiveInt.default(64 * 1_048_576).describe("Unacknowledged bytes before the gateway answers 503"),
};
