/**
 * The example rules are the format's showcase: they must validate, and `rules test` on their
 * recorded events must produce exactly the hand-computed alerts written beside them.
 */
import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRulesCommand } from "../infra/app/rules-command.ts";

const examples = new URL("./examples", import.meta.url).pathname;
const env = { FG_TOPIC_PREFIX: "", FG_KAFKA_CLIENT_ID: "test" };

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRulesCommand(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

test("rules validate: every example is valid", async () => {
  const r = await run(["validate", examples]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(r.out).toContain("5 rules valid");
});

test("rules test: each example's events produce exactly the expected alerts", async () => {
  const r = await run(["test", examples]);
  expect(r.err).toBe("");
  expect(r.out.match(/^PASS /gm)?.length).toBe(5);
  expect(r.out).not.toContain("FAIL");
  expect(r.code).toBe(0);
  // Windows and throttled alerts are printed too.
  expect(r.out).toContain("window payments.repeated-failures shop/u1 [2026-01-05T09:58:00Z, 2026-01-05T10:03:00Z) events=4 value=4  gt 3: ALERT");
  expect(r.out).toContain("(throttled)");
});

test("rules test --events runs the whole set on one file and checks the expectations about it", async () => {
  const r = await run(["test", examples, "--events", join(examples, "fraud.events.ndjson")]);
  expect(r.code).toBe(0);
  expect(r.out.match(/^PASS /gm)?.length).toBe(1);
  expect(r.out).toContain("alert  fraud.failures-then-large-checkout critical shop/u1 at 2026-01-05T10:05:00Z match failures=[fraud-001,fraud-003,fraud-006] checkout=[fraud-011]");
});

test("an unmet expectation fails the command and says what is missing and what was unexpected", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-rules-"));
  cpSync(examples, dir, { recursive: true });
  const file = join(dir, "fraud.expect.yaml");
  writeFileSync(file, readFileSync(file, "utf8").replace("group_key: u3", "group_key: u4"));
  const r = await run(["test", dir]);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/^FAIL .*fraud\.expect\.yaml$/m);
  expect(r.out).toContain('missing:    {"rule":"fraud.failures-then-large-checkout","group_key":"u4","at":"2026-01-05T10:25:00Z"}');
  expect(r.out).toContain("unexpected: fraud.failures-then-large-checkout shop/u3 at 2026-01-05T10:25:00Z");
});

test("an invalid rule file fails validate with its position; usage errors exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-rules-"));
  writeFileSync(join(dir, "bad.yaml"), "id: x\napp: shop\ndescription: d\nseverity: loud\nwindow: { type: tumbling, size: 1m, threshold: { gt: 1 } }\n");
  const r = await run(["validate", dir]);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`bad.yaml:4:11: severity: expected one of "info", "warning", "critical", got "loud"`);
  expect(r.err).toContain("refused as a whole");
  expect((await run(["test", examples, "--evnts", "x"])).code).toBe(2);
  expect((await run(["frobnicate"])).code).toBe(2);
});
