/**
 * The rules part's settings (FG_RULES_*), to be merged into the one schema in infra/config like
 * processor/config.ts. Webhook sinks are named here, with their secrets, so rule files (which are
 * versioned and shown to many people) only ever name a sink, never hold a secret.
 */
import { z } from "zod";
import type { SharedEnv } from "../infra/config/shared.ts";
import { json } from "../infra/config/types.ts";

export const webhookSinkSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(16, "must be at least 16 characters"),
    timeout_ms: z.number().int().positive().default(5_000),
    max_attempts: z.number().int().min(1).max(20).default(6),
    concurrency: z.number().int().min(1).max(64).default(4),
    queue_limit: z.number().int().positive().default(10_000),
  })
  .strict();
export type WebhookSinkConfig = z.output<typeof webhookSinkSchema>;

const webhooks = json(z.record(z.string().regex(/^[a-z0-9_-]{1,64}$/), webhookSinkSchema), '{"<name>": {"url": "...", "secret": "..."}}');

export const rulesEnv = {
  FG_RULES_DIR: z.string().optional().describe("Read rules from this directory (watched, hot reload) instead of the rule store's topic"),
  FG_RULES_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default("fluxgate").describe("Postgres schema of the rule store and alert tables"),
  FG_RULES_RELOAD_DEBOUNCE_MS: z.coerce.number().int().nonnegative().default(300).describe("Quiet time after a file change before the directory is reloaded"),
  FG_RULES_ALERTS_GROUP: z.string().default("fluxgate-alert-sinks").describe("Kafka consumer group that delivers fg.alerts to the alerts table and webhooks"),
  FG_RULES_WEBHOOKS: webhooks
    .optional()
    .describe('Webhook alert sinks as JSON: {"<name>": {"url", "secret", "timeout_ms", "max_attempts", "concurrency", "queue_limit"}}; rules name them webhook:<name>'),
};

const rulesEnvSchema = z.object(rulesEnv);
export type RulesSettings = z.output<typeof rulesEnvSchema>;

/** What the alerts role reads: the shared settings and the rules part's (sinks, group). */
export type AlertsEnv = SharedEnv & RulesSettings;

/** What the rules commands and sources read from the configuration (a subset of infra's Env). */
export interface RulesEnv {
  FG_TOPIC_PREFIX: string;
  FG_KAFKA_BROKERS?: string[] | undefined;
  FG_KAFKA_CLIENT_ID: string;
  FG_POSTGRES_URL?: string | undefined;
  FG_RULES_DIR?: string | undefined;
  FG_RULES_SCHEMA?: string | undefined;
  FG_RULES_RELOAD_DEBOUNCE_MS?: number | undefined;
  FG_RULES_WEBHOOKS?: Record<string, WebhookSinkConfig> | undefined;
}

export const rulesTopic = (prefix: string): string => `${prefix}fg.rules`;
