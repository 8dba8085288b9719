/**
 * Liveness, readiness and metrics endpoints. /healthz answers while the process serves;
 * /readyz only while the bus publisher is connected, so a load balancer stops sending events
 * that could not be acknowledged.
 */
import { Hono } from "hono";
import { registry } from "./metrics.ts";

export function healthRoutes(isReady: () => boolean): Hono {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", (c) => (isReady() ? c.json({ status: "ready" }) : c.json({ status: "not ready" }, 503)))
    .get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }));
}
