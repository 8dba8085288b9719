/**
 * Renders docs/configuration.md from the config schema itself, so the docs cannot drift from
 * what the program accepts (a test compares them). `bun infra/app/config/docs.ts > docs/configuration.md`.
 */
import { z } from "zod";
import { envSchema } from "./schema.ts";

function describe(name: string, schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { default?: unknown };
  const def = json.default === undefined ? "" : `\`${json.default === "" ? '""' : String(json.default)}\``;
  const text = (schema.description ?? "").replace(/\|/g, "\\|");
  return `| \`${name}\` | ${def} | ${text} |`;
}

export function renderConfigDocs(): string {
  const rows = Object.entries(envSchema.shape).map(([name, schema]) => describe(name, schema as z.ZodType));
  return [
    "# Configuration",
    "",
    "Every setting is an environment variable, parsed at start-up by one zod schema (`infra/app/config/schema.ts`).",
    "A bad value stops the program (exit code 78) with a message naming each bad variable. `FG_CONFIG_FILE` may name a",
    "JSON or YAML file of the same keys; the environment overrides it. With no service variable set, every part runs",
    "on embedded defaults. This page is generated from the schema: `bun infra/app/config/docs.ts > docs/configuration.md`.",
    "",
    "| variable | default | meaning |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

if (import.meta.main) process.stdout.write(renderConfigDocs());
