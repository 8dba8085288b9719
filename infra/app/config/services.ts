/**
 * Which services each role uses, and what is missing when only some are configured. A half-set
 * environment (Kafka but no Redis, say) is usually a mistake — an `eval` that exported part of
 * the stack's variables, a typo — and each unset service silently falls back to an embedded
 * default (memory, local files), so start-up says which ones, and what that means.
 */
import type { Env } from "./schema.ts";

type ServiceVar = "FG_KAFKA_BROKERS" | "FG_REDIS_URL" | "FG_POSTGRES_URL" | "FG_CLICKHOUSE_URL" | "FG_S3_ENDPOINT";

/** What a role does instead when the variable is unset. */
const fallbackOf: Record<ServiceVar, string> = {
  FG_KAFKA_BROKERS: "the in-process bus (nothing survives a restart)",
  FG_REDIS_URL: "in-memory state and rate limits",
  FG_POSTGRES_URL: "no warm tier, API keys from a file, alert jobs in memory",
  FG_CLICKHOUSE_URL: "no analytics tier",
  FG_S3_ENDPOINT: "the archive in files under FG_DATA_DIR",
};

export const servicesOf: Record<string, ServiceVar[]> = {
  gateway: ["FG_KAFKA_BROKERS", "FG_REDIS_URL", "FG_POSTGRES_URL"],
  processor: ["FG_KAFKA_BROKERS", "FG_REDIS_URL"],
  store: ["FG_KAFKA_BROKERS", "FG_POSTGRES_URL", "FG_CLICKHOUSE_URL", "FG_S3_ENDPOINT"],
  alerts: ["FG_KAFKA_BROKERS", "FG_POSTGRES_URL"],
};

export interface ServiceReport {
  /** The service variables the roles use that are set. */
  set: ServiceVar[];
  /** Those unset while others are set, each with what the roles use instead. */
  missing: { name: ServiceVar; fallback: string }[];
}

export function serviceReport(env: Pick<Env, ServiceVar>, roles: readonly string[]): ServiceReport {
  const used = [...new Set(roles.flatMap((r) => servicesOf[r] ?? []))];
  const set = used.filter((name) => env[name]);
  const missing = set.length === 0 ? [] : used.filter((name) => !env[name]).map((name) => ({ name, fallback: fallbackOf[name] }));
  return { set, missing };
}
