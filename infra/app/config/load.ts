/**
 * Reads the configuration once: config file (if FG_CONFIG_FILE names one), then the
 * environment on top, parsed by the one schema. Failures become a ConfigError whose message
 * lists every bad variable, so the operator fixes them all in one go.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../../config/error.ts";
import { checkedEnvSchema, type Env } from "./schema.ts";

type RawEnv = Record<string, string | undefined>;

function readConfigFile(path: string): RawEnv {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`FG_CONFIG_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`FG_CONFIG_FILE: ${path} is not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(`FG_CONFIG_FILE: ${path} must hold an object of FG_* keys`);
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]));
}

/** Only FG_* names are ours; empty strings mean "unset" so `FG_X= cmd` clears a file value. */
function ours(env: RawEnv): RawEnv {
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("FG_") && v !== undefined && v !== ""));
}

export function loadConfig(env: RawEnv = process.env): Env {
  const fromEnv = ours(env);
  const file = fromEnv.FG_CONFIG_FILE;
  const merged = { ...(file ? ours(readConfigFile(file)) : {}), ...fromEnv };
  const parsed = checkedEnvSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "config");
    const got = name in merged ? ` (got ${JSON.stringify(merged[name])})` : "";
    return `  ${name}: ${issue.message}${got}`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}
