/**
 * The events the project itself sends (rule examples, fed through the gateway by the rule tests
 * and demos) must pass the registry: a schema stricter than its own examples would drop them.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkPayload } from "./index.ts";

const examples = join(import.meta.dir, "../../rules/examples");

test("every event of rules/examples/*.ndjson passes its type's schema", () => {
  const files = readdirSync(examples).filter((f) => f.endsWith(".ndjson"));
  expect(files.length).toBeGreaterThan(0);
  const failures: string[] = [];
  for (const file of files) {
    for (const line of readFileSync(join(examples, file), "utf8").split("\n").filter((l) => l.trim())) {
      const event = JSON.parse(line) as { type: string; event_id: string; props?: unknown };
      const check = checkPayload(event.type, event.props ?? {});
      if (!check.ok) failures.push(`${file} ${event.event_id}: ${JSON.stringify(check)}`);
    }
  }
  expect(failures).toEqual([]);
});

test("error_raised: any named level passes (v2); a level that is not a name is refused with its path", () => {
  expect(checkPayload("error_raised", { message: "retry", level: "debug" })).toEqual({ ok: true, version: 2 });
  expect(checkPayload("error_raised", { message: "slow", level: "warn" })).toEqual({ ok: true, version: 2 });
  const check = checkPayload("error_raised", { message: "x", level: 3 });
  expect(check.ok).toBe(false);
  if (check.ok || "unknownType" in check) throw new Error("expected issues");
  expect(check.issues[0]!.path).toBe("props.level");
});
