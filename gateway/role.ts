/**
 * The gateway role: one ingest pipeline (keys, limits, schema checks, the acking producer)
 * behind three fronts: HTTP and WebSocket (/v1/stream, /v1/alerts/stream) on one Bun.serve, and
 * gRPC on FG_GRPC_PORT. Stopping refuses new work on every front, waits until every accepted
 * event has its answer from Kafka, then closes the producer.
 */
import type { Server } from "bun";
import { Hono } from "hono";
import type { Subscription } from "../infra/bus/port.ts";
import type { Role, RoleContext } from "../infra/role.ts";
import type { GatewayEnv } from "./config.ts";
import { createLiveFeedHub, followAlerts } from "./ws/live-feed.ts";
import { grpcServerOptions, startGrpcServer, type GrpcServer } from "./grpc/index.ts";
import { createEventHandlers, eventRoutes } from "./http/events.ts";
import { linkToKafka, type KafkaLink } from "./kafka-link.ts";
import { healthRoutes } from "../infra/telemetry/health.ts";
import { openApiDocument } from "./http/openapi.ts";
import { internalError, withJsonErrors } from "./http/responses.ts";
import { schemaRoutes } from "./http/schemas.ts";
import { createIngest } from "./ingest/pipeline.ts";
import { prepareSettings } from "./ingest/prepare.ts";
import { createAckingProducer, type AckingProducer } from "./ingest/producer.ts";
import type { Ingest } from "./ingest/types.ts";
import { createAuthenticator, openKeyStore, type KeyStore } from "./keys/index.ts";
import { bucketsFor, createRateLimiter, type RateLimiter } from "./limits/index.ts";
import { createAlertFeedSocket, createGatewaySockets, createStreamSocket, streamSocketOptions, type GatewaySocketData, type GatewaySockets } from "./ws/index.ts";

export function createGatewayRole(ctx: RoleContext<GatewayEnv>): Role {
  const { env, logger } = ctx;
  let server: Server<GatewaySocketData> | undefined;
  let sockets: GatewaySockets | undefined;
  let grpc: GrpcServer | undefined;
  let alerts: Subscription | undefined;
  let kafka: KafkaLink | undefined;
  let producer: AckingProducer | undefined;
  let keys: KeyStore | undefined;
  let limiter: RateLimiter | undefined;
  let ingest: Ingest | undefined;

  return {
    name: "gateway",
    async start() {
      const hub = env.FG_GATEWAY_ALERT_FEED ? createLiveFeedHub() : undefined;
      kafka = linkToKafka({
        bus: ctx.bus, logger,
        topics: [ctx.topics.events, ctx.topics.dlq, ctx.topics.alerts].map((name) => ({ name, partitions: 4 })),
        onConnect: async () => {
          if (hub) alerts = await followAlerts({ bus: ctx.bus, topic: ctx.topics.alerts, hub, logger });
        },
      });
      // Kafka usually answers at once: wait for it a little, so a healthy start is ready when it returns.
      await Promise.race([kafka.connected, Bun.sleep(5_000)]);
      producer = createAckingProducer({
        publisher: kafka.publisher, topic: ctx.topics.events, lingerMs: env.FG_PRODUCER_LINGER_MS, maxBatchBytes: env.FG_PRODUCER_MAX_BATCH_BYTES,
        maxInflightBytes: env.FG_PRODUCER_MAX_INFLIGHT_BYTES, stallMs: env.FG_PRODUCER_STALL_MS,
      });
      keys = await openKeyStore(env);
      limiter = createRateLimiter(env, logger.child({ component: "rate-limit" }));
      const pipeline = createIngest({
        authenticator: createAuthenticator(keys, { ttlMs: env.FG_GATEWAY_KEY_CACHE_TTL_MS }),
        limiter, buckets: (p) => bucketsFor(env, p), producer,
        ...prepareSettings(env),
      });
      ingest = pipeline;

      const stream = createStreamSocket(pipeline, streamSocketOptions(env, logger.child({ component: "ws" })));
      const ws = createGatewaySockets(stream, hub && createAlertFeedSocket(pipeline, hub));
      sockets = ws;

      const eventOptions = { ingest: pipeline, maxRequestBytes: env.FG_GATEWAY_MAX_REQUEST_BYTES, maxBatch: env.FG_GATEWAY_MAX_BATCH, maxDepth: env.FG_GATEWAY_MAX_DEPTH };
      const events = createEventHandlers(eventOptions);
      const openapi = openApiDocument({ maxBatch: env.FG_GATEWAY_MAX_BATCH });
      const httpLogger = logger.child({ component: "http" });
      const app = withJsonErrors(new Hono(), httpLogger)
        .route("/", healthRoutes(() => pipeline.isReady()))
        .route("/", eventRoutes(eventOptions, events))
        .route("/", schemaRoutes())
        .get("/openapi.json", (c) => c.json(openapi));
      server = Bun.serve<GatewaySocketData>({
        hostname: env.FG_GATEWAY_HOST,
        port: env.FG_GATEWAY_PORT,
        // The routes read bodies themselves and stop at FG_GATEWAY_MAX_REQUEST_BYTES with a JSON
        // answer (NDJSON: with the lines handled); Bun's own limit would answer a bare 413 instead.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        // The hot routes on Bun's own router, ahead of the WebSocket upgrades, the console and Hono.
        routes: { "/v1/events": { POST: (req: Request) => events.single(req) }, "/v1/events/batch": { POST: (req: Request) => events.batch(req) } },
        // WebSocket routes first: they answer undefined once the socket is upgraded.
        fetch: (req, srv) => ws.route(req, srv) ?? ctx.routes?.(req) ?? app.fetch(req),
        error: (err) => internalError(err, httpLogger),
        websocket: ws.websocket,
      });
      logger.info("gateway listening", { url: server.url.href });
      grpc = await startGrpcServer(pipeline, grpcServerOptions(env, logger.child({ component: "grpc" })));
    },
    ready: () => ingest?.isReady() ?? false,
    async stop() {
      // Fronts first (each drains what it has accepted), then the events still queued for Kafka.
      const listening = server?.stop(false);
      await Promise.all([sockets?.close(), grpc?.stop()]);
      await listening;
      await producer?.drain();
      await alerts?.stop();
      await kafka?.stop();
      await limiter?.close();
      await keys?.close();
    },
  };
}
