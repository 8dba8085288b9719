/**
 * The one configuration schema. Every setting is an FG_* environment variable (optionally
 * read from a config file first); zod parses and defaults them all at start-up, so a bad value
 * stops the program before anything runs, with a message that names the variable.
 */
import { z } from "zod";
import { gatewayEnv } from "../../../gateway/config.ts";
import { processorEnv } from "../../../processor/config.ts";
import { rulesEnv } from "../../../rules/config.ts";
import { storeEnv } from "../../../store/config.ts";
import { sharedEnv } from "../../config/shared.ts";
import { bool, port, positiveInt } from "../../config/types.ts";

/** Settings of the process as a whole: the admin endpoint, shutdown and tracing. */
const processEnv = {
  FG_ADMIN_HOST: z.string().default("127.0.0.1").describe("Bind address of the admin endpoint"),
  FG_ADMIN_PORT: port.optional().describe("Serve /healthz, /readyz, /metrics and the console (/console) on this port in processes without the gateway role (which serves them itself); unset = none"),
  FG_ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional()
    .describe("Operator key of the console (/console): sees every app, the pipeline, and may roll rules back; unset = a new one each start, printed with the console's URL"),
  FG_SHUTDOWN_TIMEOUT_MS: positiveInt.default(15000).describe("How long a graceful shutdown may drain in-flight work"),
  FG_OTEL_ENABLED: bool.default(false).describe("Start the OpenTelemetry SDK (exporters from the standard OTEL_* variables)"),
};

/**
 * Environment variables, by name: the source of truth for docs/configuration.md. Each part owns
 * the variables of its own settings (gateway/config.ts, processor/config.ts, rules/config.ts, store/config.ts).
 */
export const envSchema = z.object({ ...sharedEnv, ...processEnv, ...gatewayEnv, ...processorEnv, ...rulesEnv, ...storeEnv });

export type Env = z.output<typeof envSchema>;

/** Cross-field rules that a single variable cannot state. */
export const checkedEnvSchema = envSchema.superRefine((env, ctx) => {
  if (env.FG_S3_ENDPOINT && (!env.FG_S3_ACCESS_KEY || !env.FG_S3_SECRET_KEY)) {
    for (const name of ["FG_S3_ACCESS_KEY", "FG_S3_SECRET_KEY"] as const) {
      if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required when FG_S3_ENDPOINT is set" });
    }
  }
  if (env.FG_GATEWAY_PORT === env.FG_GRPC_PORT) {
    ctx.addIssue({ code: "custom", path: ["FG_GRPC_PORT"], message: "must differ from FG_GATEWAY_PORT" });
  }
});
