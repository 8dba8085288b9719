/**
 * The admin endpoint of processes without a gateway (processor, store, alerts run alone):
 * /healthz, /readyz and /metrics on FG_ADMIN_PORT, the same routes the gateway serves on its own
 * port, and the console when given its routes. Readiness is every started role's: a role without
 * a notion of it is ready once started.
 */
import { healthRoutes } from "../telemetry/health.ts";
import type { Role } from "../role.ts";

export function startAdminServer(o: {
  host: string;
  port: number;
  roles: () => readonly Role[];
  routes?: (req: Request) => Response | Promise<Response> | undefined;
}): { url: string; stop(): Promise<void> } {
  const ready = () => {
    const roles = o.roles();
    return roles.length > 0 && roles.every((r) => r.ready?.() ?? true);
  };
  const health = healthRoutes(ready);
  const server = Bun.serve({ hostname: o.host, port: o.port, fetch: (req) => o.routes?.(req) ?? health.fetch(req) });
  return { url: server.url.href, stop: () => server.stop(true) };
}
