import { expect, test } from "bun:test";
import { renderRuleJsonSchema } from "./schema-export.ts";

test("rules/rule.schema.json is current (regenerate: bun rules/schema-export.ts > rules/rule.schema.json)", async () => {
  const committed = await Bun.file(new URL("./rule.schema.json", import.meta.url)).text();
  expect(committed).toBe(renderRuleJsonSchema());
});
