/**
 * The operators' console: a small web app under /console on the gateway's port (or on
 * FG_ADMIN_PORT in processes without a gateway). It reads the roles only through narrow
 * interfaces: the metrics registry, Role.ready()/status(), the bus port (consumer lag, the DLQ
 * and alert topics) and the rule store; infra/app/main.ts wires it.
 */
import type { Bus } from "../infra/bus/port.ts";
import type { Topics } from "../infra/bus/topics.ts";
import type { SharedEnv } from "../infra/config/shared.ts";
import type { GatewayEnv } from "../gateway/config.ts";
import type { RulesEnv } from "../rules/config.ts";
import type { Role } from "../infra/role.ts";
import type { Logger } from "../infra/telemetry/logger.ts";
import { createAuthenticator, openKeyStore, type KeyStore } from "../gateway/keys/index.ts";
import { createAlertBuffer } from "./alerts.ts";
import { consoleRoutes } from "./api.ts";
import { createConsoleAuth, generateAdminKey } from "./auth.ts";
import { createCollector } from "./collector.ts";
import { createDeadLetterFeed, deadLetterGroupPrefix } from "./dead-letters.ts";
import { recordGroups } from "./groups.ts";
import { createConsoleRules } from "./rules.ts";
import { consoleAssets } from "./ui/assets.ts";

export interface OperatorConsole {
  /** The bus the roles should use: the console learns their consumer groups through it. */
  readonly bus: Bus;
  /** Answers requests under /console; undefined for every other path. */
  routes(req: Request): Response | Promise<Response> | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The page's address on a given origin, with the operator key in the fragment (never sent to a server). */
  url(origin: string): string;
}

const LIVE_FEED_GROUP = "fluxgate-live-feed-";

/** What the console reads: the shared settings, its operator key, the rules' store and the gateway's key cache. */
export type ConsoleEnv = SharedEnv & RulesEnv & Pick<GatewayEnv, "FG_GATEWAY_KEY_CACHE_TTL_MS"> & { FG_ADMIN_KEY?: string | undefined };

export function createConsole(o: { env: ConsoleEnv; bus: Bus; topics: Topics; roles: () => readonly Role[]; logger: Logger }): OperatorConsole {
  const adminKey = o.env.FG_ADMIN_KEY ?? generateAdminKey();
  // The console's own followers are not the pipeline's lag; the live feed's neither (new every start, from the end).
  const { bus, groups } = recordGroups(o.bus, (g) => g.startsWith(deadLetterGroupPrefix) || g.startsWith(LIVE_FEED_GROUP));
  const alerts = createAlertBuffer({ bus: o.bus, topic: o.topics.alerts, logger: o.logger });
  const deadLetters = createDeadLetterFeed({ bus: o.bus, topic: o.topics.dlq });
  const collector = createCollector({ bus: o.bus, roles: o.roles, groups, deadLetters });
  const rules = createConsoleRules(o.env);
  let keys: KeyStore | undefined;
  let handler: ((req: Request) => Response | Promise<Response>) | undefined;
  const assets = consoleAssets();

  return {
    bus,
    routes(req) {
      const { pathname } = new URL(req.url);
      if (pathname !== "/console" && !pathname.startsWith("/console/")) return undefined;
      return handler ? handler(req) : new Response("the console is starting", { status: 503, headers: { "retry-after": "1" } });
    },
    async start() {
      keys = await openKeyStore(o.env);
      const auth = createConsoleAuth({ adminKey, apps: createAuthenticator(keys, { ttlMs: o.env.FG_GATEWAY_KEY_CACHE_TTL_MS }) });
      await o.bus.ensureTopics([{ name: o.topics.alerts, partitions: 4 }, { name: o.topics.dlq, partitions: 4 }]);
      await Promise.all([alerts.start(), deadLetters.start()]);
      collector.start();
      void assets.script().catch((err) => o.logger.error("console bundle failed", { err }));
      const app = consoleRoutes({ auth, collector, alerts, rules, assets });
      handler = (req) => app.fetch(req);
    },
    async stop() {
      collector.stop();
      await Promise.all([alerts.stop(), deadLetters.stop(), rules.close()]);
      await keys?.close();
    },
    url: (origin) => `${origin.replace(/\/$/, "")}/console/#key=${encodeURIComponent(adminKey)}`,
  };
}
