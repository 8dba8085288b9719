/** The gateway's settings (FG_GATEWAY_*, FG_RATE_LIMIT_*, FG_PRODUCER_*, and the fronts' FG_WS_*, FG_GRPC_*), merged into the one schema in infra/config. */
import { z } from "zod";
import type { SharedEnv } from "../infra/config/shared.ts";
import { bool, json, nonNegativeInt, port, positiveInt } from "../infra/config/types.ts";
import { grpcEnv } from "./grpc/config.ts";
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_FUTURE_SKEW_MS } from "./ingest/prepare.ts";
import { wsEnv } from "./ws/config.ts";

const appLimits = json(
  z.record(z.string(), z.object({ rate: z.number().positive(), burst: z.number().positive() }).strict()),
  '{"<app>": {"rate": 500, "burst": 1000}}',
);

export const gatewayEnv = {
  FG_GATEWAY_HOST: z.string().default("127.0.0.1").describe("Gateway HTTP/WebSocket bind address (0.0.0.0 to serve other hosts)"),
  FG_GATEWAY_PORT: port.default(8080).describe("Gateway HTTP/WebSocket port"),
  FG_GRPC_PORT: port.default(50051).describe("Gateway gRPC port"),
  FG_GATEWAY_MAX_EVENT_BYTES: positiveInt.default(32_768).describe("Largest event accepted, as published (JSON bytes)"),
  FG_GATEWAY_MAX_REQUEST_BYTES: positiveInt.default(8 * 1_048_576).describe("Largest request body (HTTP), frame (WebSocket) or message (gRPC)"),
  FG_GATEWAY_MAX_BATCH: positiveInt.default(1_000).describe("Most events in one batch request, frame or gRPC batch"),
  FG_GATEWAY_MAX_FUTURE_SKEW_MS: nonNegativeInt.default(DEFAULT_MAX_FUTURE_SKEW_MS)
    .describe("How far ahead of the gateway's clock an event's ts may be (ms); later ones are rejected (400 naming ts)"),
  FG_GATEWAY_MAX_DEPTH: positiveInt.max(256).default(DEFAULT_MAX_DEPTH)
    .describe("Most levels props may nest (props itself is level 1); deeper events are rejected (400 naming the path) before any recursive work"),
  FG_GATEWAY_UNKNOWN_TYPES: z.enum(["reject", "accept"]).default("reject").describe("An event type without a schema: reject it, or accept it with any props"),
  FG_GATEWAY_ALERT_FEED: bool.default(true)
    .describe("Serve the live alert feed on /v1/alerts/stream (each gateway then follows fg.alerts with a consumer of its own)"),
  FG_GATEWAY_KEY_CACHE_TTL_MS: nonNegativeInt.default(30_000).describe("How long a gateway trusts a cached API key: a revocation takes effect within this"),

  FG_RATE_LIMIT_APP_RATE: positiveInt.default(50_000).describe("Events per second per app (all its keys together)"),
  FG_RATE_LIMIT_APP_BURST: positiveInt.default(100_000).describe("Events an app may send at once above its rate"),
  FG_RATE_LIMIT_KEY_RATE: positiveInt.default(20_000).describe("Events per second per API key"),
  FG_RATE_LIMIT_KEY_BURST: positiveInt.default(40_000).describe("Events a key may send at once above its rate"),
  FG_RATE_LIMIT_APPS: appLimits.optional().describe('Per-app overrides as JSON: {"<app>": {"rate": 500, "burst": 1000}}'),
  FG_RATE_LIMIT_MAX_LEASE: positiveInt.default(200).describe("Most tokens a gateway takes from Redis ahead of use (a lease is also at most a fiftieth of the rate)"),
  FG_RATE_LIMIT_REDIS_TIMEOUT_MS: positiveInt.default(250).describe("A rate-limit call to Redis slower than this counts as Redis being down"),
  FG_RATE_LIMIT_REDIS_DOWN: z.enum(["local", "allow", "deny"]).default("local")
    .describe("When Redis cannot be asked: local (limit each gateway on its own), allow (admit all), deny (admit none)"),

  FG_PRODUCER_LINGER_MS: nonNegativeInt.default(0)
    .describe("How long an idle producer waits for more events before sending; under load batches fill while the previous send is in flight, so waiting only adds latency"),
  FG_PRODUCER_MAX_BATCH_BYTES: positiveInt.default(1_048_576).describe("A batch is sent once it holds this many bytes"),
  FG_PRODUCER_MAX_INFLIGHT_BYTES: positiveInt.default(64 * 1_048_576).describe("Unacknowledged bytes before the gateway answers 503"),
  FG_PRODUCER_STALL_MS: positiveInt.default(750).describe("A Kafka send unanswered this long marks Kafka unavailable: new events get 503 at once"),

  ...wsEnv,
  ...grpcEnv,
};

const gatewayEnvSchema = z.object(gatewayEnv);
/** What the gateway reads: the shared settings and its own. */
export type GatewayEnv = SharedEnv & z.output<typeof gatewayEnvSchema>;
