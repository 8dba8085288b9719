/**
 * The gateway role: serves the HTTP app on Bun.serve and stops by refusing new connections,
 * then waiting for in-flight requests (whose events are being acknowledged by the bus).
 */
import { Hono } from "hono";
import type { Publisher } from "../infra/bus/port.ts";
import type { Role, RoleContext } from "../infra/role.ts";
import { healthRoutes } from "./http/health.ts";

export function createGatewayRole(ctx: RoleContext): Role {
  let server: ReturnType<typeof Bun.serve> | undefined;
  let publisher: Publisher | undefined;
  return {
    name: "gateway",
    async start() {
      await ctx.bus.ensureTopics([{ name: ctx.topics.events, partitions: 4 }, { name: ctx.topics.dlq, partitions: 4 }]);
      publisher = await ctx.bus.publisher();
      const app = new Hono().route("/", healthRoutes(() => publisher?.isReady() ?? false));
      server = Bun.serve({ hostname: ctx.env.FG_GATEWAY_HOST, port: ctx.env.FG_GATEWAY_PORT, fetch: app.fetch });
      ctx.logger.info("gateway listening", { url: server.url.href });
    },
    async stop() {
      await server?.stop(false);
      await publisher?.close();
    },
  };
}
