#!/usr/bin/env bun
/**
 * The one entry point: `fluxgate <role>` runs gateway, processor, store, or all of them in one
 * process; `fluxgate <tool> ...` runs an operator's command (keys, rules, replay, sql) and exits.
 * Configuration comes from FG_* variables (docs/configuration.md); SIGTERM and SIGINT drain
 * in-flight work before exiting.
 */
import { createGatewayRole } from "../gateway/role.ts";
import { createProcessorRole } from "../processor/role.ts";
import { runKeysCommand } from "../gateway/keys/cli.ts";
import { runRulesCommand } from "../rules/cli.ts";
import { createAlertDeliveryRole } from "../rules/role.ts";
import { runReplayCommand } from "../store/replay/index.ts";
import { runSqlCommand } from "../store/sql/index.ts";
import { createStoreRole } from "../store/role.ts";
import { startAdminServer } from "./admin.ts";
import { createBus } from "./bus/index.ts";
import { topicNames } from "./bus/topics.ts";
import { ConfigError, loadConfig } from "./config/load.ts";
import type { Env } from "./config/schema.ts";
import type { Role, RoleFactory } from "./role.ts";
import { createLogger, logProcessWarnings } from "./telemetry/logger.ts";
import { startTracing } from "./telemetry/tracing.ts";

/** In start order: consumers first, ingest last, so that stopping in reverse drains front to back. */
const roles: Record<string, RoleFactory> = {
  store: createStoreRole,
  alerts: createAlertDeliveryRole,
  processor: createProcessorRole,
  gateway: createGatewayRole,
};

/** One-shot commands: they get the arguments after their name and return the exit code. */
const tools: Record<string, (argv: string[], env: Env) => Promise<number>> = {
  keys: runKeysCommand,
  rules: runRulesCommand,
  replay: runReplayCommand,
  sql: runSqlCommand,
};

const usage = `usage: fluxgate <${[...Object.keys(roles), "all"].join("|")}>    run roles until SIGTERM
       fluxgate <${Object.keys(tools).join("|")}> ...    run a command (--help for its usage)`;

async function main(argv: string[]): Promise<number> {
  const [command = "all", ...rest] = argv;
  if (command === "-h" || command === "--help") {
    console.log(usage);
    return 0;
  }
  const tool = tools[command];
  if (tool) return tool(rest, loadConfig());
  const names = command === "all" ? Object.keys(roles) : [command];
  for (const name of names) {
    if (!roles[name]) {
      console.error(`fluxgate: unknown role '${name}'\n${usage}`);
      return 2;
    }
  }
  const env = loadConfig();
  const logger = createLogger(env.FG_LOG_LEVEL, { role: command });
  logProcessWarnings(logger);
  const stopTracing = await startTracing(env.FG_OTEL_ENABLED, `fluxgate-${command}`);
  const bus = createBus(env);
  const ctx = { env, bus, topics: topicNames(env.FG_TOPIC_PREFIX), logger };
  logger.info("starting", { roles: names, bus: bus.kind });

  const started: Role[] = [];
  // The gateway serves health and metrics itself; processes without one can ask for an admin port.
  const admin = env.FG_ADMIN_PORT !== undefined && !names.includes("gateway")
    ? startAdminServer({ host: env.FG_ADMIN_HOST, port: env.FG_ADMIN_PORT, roles: () => started })
    : undefined;
  let stopping: Promise<number> | undefined;
  const shutdown = (reason: string, code: number) =>
    (stopping ??= (async () => {
      logger.info("shutting down", { reason });
      const deadline = Bun.sleep(env.FG_SHUTDOWN_TIMEOUT_MS).then(() => "timeout" as const);
      // Stop in reverse start order: ingest first, so consumers drain what it last accepted.
      const drained = (async () => {
        for (const role of [...started].reverse()) await role.stop().catch((err) => logger.error("stop failed", { role: role.name, err }));
        await bus.close();
        await admin?.stop();
        await stopTracing();
      })();
      if ((await Promise.race([drained, deadline])) === "timeout") {
        logger.error("shutdown timed out; exiting with work in flight", { timeoutMs: env.FG_SHUTDOWN_TIMEOUT_MS });
        return 1;
      }
      logger.info("stopped");
      return code;
    })());

  process.on("SIGTERM", () => void shutdown("SIGTERM", 0).then((c) => process.exit(c)));
  process.on("SIGINT", () => void shutdown("SIGINT", 0).then((c) => process.exit(c)));
  try {
    for (const name of names) {
      const role = roles[name]!(ctx);
      await role.start();
      started.push(role);
    }
  } catch (err) {
    logger.error("start failed", { err });
    return shutdown("start failed", err instanceof ConfigError ? 78 : 1);
  }
  return new Promise<number>(() => {}); // runs until a signal
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? `fluxgate: ${err.message}` : err);
    process.exit(err instanceof ConfigError ? 78 : 1);
  },
);
