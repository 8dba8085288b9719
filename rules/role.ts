/**
 * The alerts role: delivers what the processor puts on fg.alerts to the sinks each rule names
 * (the Postgres alerts table, webhooks). It is a consumer group of its own, so a slow webhook or
 * a Postgres outage delays alert delivery only, never the processor or the store.
 */
import postgres, { type Sql } from "postgres";
import type { Role, RoleContext } from "../infra/role.ts";
import { createAlertDeliveryService, type DeliveryService } from "./alerts/delivery-service.ts";
import { createAlertStore } from "./alerts/store/alert-store.ts";
import { createMemoryAlertStore } from "./alerts/store/memory-alert-store.ts";

export function createAlertDeliveryRole(ctx: RoleContext): Role {
  const { env } = ctx;
  let sql: Sql | undefined;
  let service: DeliveryService | undefined;
  return {
    name: "alerts",
    async start() {
      if (env.FG_POSTGRES_URL) sql = postgres(env.FG_POSTGRES_URL, { max: 4, onnotice: () => {} });
      const store = sql ? createAlertStore(sql, env.FG_RULES_SCHEMA) : createMemoryAlertStore();
      if (!sql) ctx.logger.warn("alerts: no FG_POSTGRES_URL, so no alerts table and webhook jobs are kept in memory only");
      service = createAlertDeliveryService({
        bus: ctx.bus,
        topic: ctx.topics.alerts,
        groupId: env.FG_RULES_ALERTS_GROUP,
        store,
        webhooks: env.FG_RULES_WEBHOOKS ?? {},
        logger: ctx.logger.child({ role: "alerts" }),
      });
      await service.start();
    },
    async stop() {
      await service?.stop();
      // Deliveries still queued are durable jobs in Postgres and resume on the next start.
      await sql?.end({ timeout: 5 });
    },
  };
}
