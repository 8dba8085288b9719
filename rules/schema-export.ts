/**
 * Renders the JSON Schema of the rule format from its zod schema, for editors (YAML language
 * servers) and other tools; a test keeps rules/rule.schema.json current.
 * Regenerate: `bun rules/schema-export.ts > rules/rule.schema.json`.
 */
import { z } from "zod";
import { ruleFileSchema } from "./language/rule.ts";

export function renderRuleJsonSchema(): string {
  const schema = z.toJSONSchema(ruleFileSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any", reused: "ref" });
  return `${JSON.stringify({ ...schema, $id: "https://fluxgate.dev/schemas/rule.schema.json", title: "Fluxgate rule file" }, null, 2)}\n`;
}

if (import.meta.main) process.stdout.write(renderRuleJsonSchema());
