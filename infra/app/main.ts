#!/usr/bin/env bun
/**
 * The one entry point: `fluxgate <role>` runs gateway, processor, store, or all of them in one
 * process; `fluxgate <tool> ...` runs an operator's command (keys, rules, replay, sql) and exits.
 * Configuration comes from FG_* variables (docs/configuration.md); SIGTERM and SIGINT drain
 * in-flight work before exiting.
 *
 * Roles and commands are imported when chosen: loading every role (Kafka clients, OpenTelemetry,
 * the rule compiler) took ~1 s of CPU, which a one-shot command such as `sql` would pay on every run.
 */
import { topicNames } from "../bus/topics.ts";
import { ConfigError } from "../config/error.ts";
import { loadConfig } from "./config/load.ts";
import type { Env } from "./config/schema.ts";
import { serviceReport } from "./config/services.ts";
import type { Role, RoleFactory } from "../role.ts";
import { createLogger, logProcessWarnings } from "../telemetry/logger.ts";

/** In start order: consumers first, ingest last, so that stopping in reverse drains front to back. */
const roles: Record<string, () => Promise<RoleFactory<Env>>> = {
  store: async () => (await import("../../store/role.ts")).createStoreRole,
  alerts: async () => (await import("../../rules/alerts/role.ts")).createAlertDeliveryRole,
  processor: async () => (await import("../../processor/role.ts")).createProcessorRole,
  gateway: async () => (await import("../../gateway/role.ts")).createGatewayRole,
};

type Tool = (argv: string[], env: Env) => Promise<number>;

/** One-shot commands: they get the arguments after their name and return the exit code. */
const tools: Record<string, () => Promise<Tool>> = {
  keys: async () => (await import("../../gateway/keys/cli.ts")).runKeysCommand,
  rules: async () => (await import("./rules-command.ts")).runRulesCommand,
  replay: async () => (await import("../../store/replay/index.ts")).runReplayCommand,
  sql: async () => (await import("../../store/sql/index.ts")).runSqlCommand,
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
  if (tool) return (await tool())(rest, loadConfig());
  const names = command === "all" ? Object.keys(roles) : [command];
  for (const name of names) {
    if (!roles[name]) {
      console.error(`fluxgate: unknown role '${name}'\n${usage}`);
      return 2;
    }
  }
  const env = loadConfig();
  const [factories, { startAdminServer }, { createBus }, { startTracing }, { createConsole }] = await Promise.all([
    Promise.all(names.map((name) => roles[name]!())),
    import("./admin.ts"), import("../bus/index.ts"), import("../telemetry/tracing.ts"), import("../../console/index.ts"),
  ]);
  const logger = createLogger(env.FG_LOG_LEVEL, { role: command });
  logProcessWarnings(logger);
  const stopTracing = await startTracing(env.FG_OTEL_ENABLED, `fluxgate-${command}`);
  const topics = topicNames(env.FG_TOPIC_PREFIX);
  const started: Role[] = [];
  const rawBus = createBus(env);
  // The gateway serves health, metrics and the console itself; processes without one can ask for an admin port.
  const withGateway = names.includes("gateway");
  const operatorConsole = withGateway || env.FG_ADMIN_PORT !== undefined
    ? createConsole({ env, bus: rawBus, topics, roles: () => started, logger: logger.child({ component: "console" }) })
    : undefined;
  const bus = operatorConsole?.bus ?? rawBus;
  const ctx = { env, bus, topics, logger, routes: operatorConsole?.routes };
  logger.info("starting", { roles: names, bus: bus.kind });
  const services = serviceReport(env, names);
  if (services.set.length === 0) logger.info("no FG_* service variables set: running on embedded defaults (in-process bus, memory, local files); `eval \"$(bash infra/local/stack env)\"` points it at the local stack");
  for (const { name, fallback } of services.missing) logger.warn(`${name} is not set while ${services.set.join(", ")} ${services.set.length === 1 ? "is" : "are"}: using ${fallback}`, { variable: name });

  const admin = env.FG_ADMIN_PORT !== undefined && !withGateway
    ? startAdminServer({ host: env.FG_ADMIN_HOST, port: env.FG_ADMIN_PORT, roles: () => started, routes: operatorConsole?.routes })
    : undefined;
  let stopping: Promise<number> | undefined;
  const shutdown = (reason: string, code: number) =>
    (stopping ??= (async () => {
      logger.info("shutting down", { reason });
      const deadline = Bun.sleep(env.FG_SHUTDOWN_TIMEOUT_MS).then(() => "timeout" as const);
      // Stop in reverse start order: ingest first, so consumers drain what it last accepted.
      const drained = (async () => {
        for (const role of [...started].reverse()) await role.stop().catch((err) => logger.error("stop failed", { role: role.name, err }));
        await operatorConsole?.stop().catch((err) => logger.error("stop failed", { role: "console", err }));
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
    for (const [i, name] of names.entries()) {
      const role = factories[i]!(ctx);
      await role.start();
      started.push(role);
    }
    if (operatorConsole) {
      await operatorConsole.start();
      const origin = admin?.url ?? `http://${env.FG_GATEWAY_HOST === "0.0.0.0" ? "127.0.0.1" : env.FG_GATEWAY_HOST}:${env.FG_GATEWAY_PORT}`;
      // A configured key is the operator's to know; a generated one is shown, or nobody could log in.
      const url = env.FG_ADMIN_KEY ? operatorConsole.url(origin).replace(/#key=.*/, "") : operatorConsole.url(origin);
      logger.info("console ready", { url });
      // On stdout too, so a newcomer running `bash infra/start` sees where to click.
      console.log(`Fluxgate console: ${url}`);
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
