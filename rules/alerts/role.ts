/**
 * The alerts role: delivers what the processor puts on fg.alerts to the sinks each rule names
 * (the Postgres alerts table, webhooks). It is a consumer group of its own, so a slow webhook or
 * a Postgres outage delays alert delivery only, never the processor or the store. On embedded
 * defaults (no FG_POSTGRES_URL) it delivers webhooks only, with jobs and attempt records in memory
 * (docs/rules.md, "Alerts").
 */
import postgres, { type Sql } from "postgres";
import type { Role, RoleContext } from "../../infra/role.ts";
import type { AlertsEnv } from "../config.ts";
import { createAlertDeliveryService, type DeliveryService } from "./delivery-service.ts";
import { createAlertStore } from "./store/alert-store.ts";
import { createMemoryAlertStore } from "./store/memory-alert-store.ts";

const DRAIN_MS = 5_000;

export function createAlertDeliveryRole(ctx: RoleContext<AlertsEnv>): Role {
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
      // Give deliveries under way a bounded chance to finish; whatever is still queued then is a
      // durable job in Postgres that resumes on the next start (in memory only on embedded defaults).
      if (service) await Promise.race([service.idle(), Bun.sleep(DRAIN_MS)]);
      await sql?.end({ timeout: 5 });
    },
  };
}
