/**
 * The gateway role: one ingest pipeline (keys, limits, schema checks, the acking producer)
 * served over HTTP on Bun.serve. Stopping refuses new connections, waits until every accepted
 * event has its answer from Kafka, then closes the producer.
 */
import { Hono } from "hono";
import type { Publisher } from "../infra/bus/port.ts";
import type { Role, RoleContext } from "../infra/role.ts";
import { eventRoutes } from "./http/events.ts";
import { healthRoutes } from "./http/health.ts";
import { openApiDocument } from "./http/openapi.ts";
import { schemaRoutes } from "./http/schemas.ts";
import { createIngest } from "./ingest/pipeline.ts";
import { createAckingProducer, type AckingProducer } from "./ingest/producer.ts";
import type { Ingest } from "./ingest/types.ts";
import { createAuthenticator, openKeyStore, type KeyStore } from "./keys/index.ts";
import { bucketsFor, createRateLimiter, type RateLimiter } from "./limits/index.ts";

export function createGatewayRole(ctx: RoleContext): Role {
  const { env, logger } = ctx;
  let server: ReturnType<typeof Bun.serve> | undefined;
  let publisher: Publisher | undefined;
  let producer: AckingProducer | undefined;
  let keys: KeyStore | undefined;
  let limiter: RateLimiter | undefined;
  let ingest: Ingest | undefined;

  return {
    name: "gateway",
    async start() {
      await ctx.bus.ensureTopics([{ name: ctx.topics.events, partitions: 4 }, { name: ctx.topics.dlq, partitions: 4 }]);
      publisher = await ctx.bus.publisher();
      producer = createAckingProducer({
        publisher, topic: ctx.topics.events, lingerMs: env.FG_PRODUCER_LINGER_MS, maxBatchBytes: env.FG_PRODUCER_MAX_BATCH_BYTES,
        maxInflightBytes: env.FG_PRODUCER_MAX_INFLIGHT_BYTES, stallMs: env.FG_PRODUCER_STALL_MS,
      });
      keys = await openKeyStore(env);
      limiter = createRateLimiter(env, logger.child({ component: "rate-limit" }));
      ingest = createIngest({
        authenticator: createAuthenticator(keys, { ttlMs: env.FG_GATEWAY_KEY_CACHE_TTL_MS }),
        limiter, buckets: (p) => bucketsFor(env, p), producer,
        maxEventBytes: env.FG_GATEWAY_MAX_EVENT_BYTES, unknownTypes: env.FG_GATEWAY_UNKNOWN_TYPES,
      });
      const openapi = openApiDocument({ maxBatch: env.FG_GATEWAY_MAX_BATCH });
      const app = new Hono()
        .route("/", healthRoutes(() => ingest?.isReady() ?? false))
        .route("/", eventRoutes({ ingest, maxRequestBytes: env.FG_GATEWAY_MAX_REQUEST_BYTES, maxBatch: env.FG_GATEWAY_MAX_BATCH }))
        .route("/", schemaRoutes())
        .get("/openapi.json", (c) => c.json(openapi));
      server = Bun.serve({
        hostname: env.FG_GATEWAY_HOST,
        port: env.FG_GATEWAY_PORT,
        // Headroom over the body limit so the routes, not the server, say what was too large.
        maxRequestBodySize: env.FG_GATEWAY_MAX_REQUEST_BYTES + 1_048_576,
        fetch: app.fetch,
      });
      logger.info("gateway listening", { url: server.url.href });
    },
    ready: () => ingest?.isReady() ?? false,
    async stop() {
      await server?.stop(false);
      await producer?.drain();
      await publisher?.close();
      await limiter?.close();
      await keys?.close();
    },
  };
}
