/**
 * The whole product in one process (`fluxgate all`) on the real services: events sent over HTTP
 * land once in ClickHouse, Postgres and the S3 archive, and a pattern across them raises one
 * alert that reaches the Postgres alerts table and ClickHouse.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeTestEnv, tierReaders } from "../../store/tiers.test-support.ts";
import { requireEnv } from "../support/services.ts";
import { freePort } from "../support/free-port.ts";
import { waitFor } from "../support/wait-for.ts";

const root = new URL("../..", import.meta.url).pathname;
const port = freePort();
const base = storeTestEnv();
const id = base.FG_STORE_GROUP_PREFIX!;
const env = {
  ...base,
  FG_REDIS_URL: requireEnv("FG_REDIS_URL"),
  FG_RULES_DIR: join(root, "test/e2e/rules"),
  FG_RULES_SCHEMA: id,
  FG_RULES_ALERTS_GROUP: `${id}-alerts`,
  FG_PROCESSOR_GROUP: `${id}-processor`,
  FG_PROCESSOR_STATE_PREFIX: `fg:${id}:`,
  FG_GATEWAY_PORT: String(port),
  FG_GRPC_PORT: String(freePort()),
  FG_DATA_DIR: mkdtempSync(join(tmpdir(), "fg-e2e-")),
};
const tiers = tierReaders(env);
afterAll(async () => {
  await tiers.sql.unsafe(`drop schema if exists ${id} cascade`).catch(() => {});
  await tiers.close();
});

async function fluxgate(args: string[]) {
  const proc = Bun.spawn(["bun", "infra/app/main.ts", ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { proc, output: () => new Response(proc.stdout).text() };
}

test("HTTP in; every tier holds each event once; the pattern's alert reaches Postgres and ClickHouse", async () => {
  const keys = await fluxgate(["keys", "create", "--app", "e2e"]);
  expect(await keys.proc.exited).toBe(0);
  const key = (await keys.output()).trim().split("\n").at(-1)!;

  const { proc } = await fluxgate(["all"]);
  try {
    await waitFor(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0), (s) => s === 200, { timeoutMs: 60_000, what: "the gateway" });
    const t0 = Date.now() - 60_000;
    const events = [
      ...Array.from({ length: 20 }, (_, i) => ({ app_id: "e2e", type: "page_view", user_id: `u${i % 4}`, ts: t0 + i * 1_000, props: { path: `/p/${i}` } })),
      { app_id: "e2e", type: "payment_failed", user_id: "u9", ts: t0 + 21_000, props: { amount: 300 } },
      { app_id: "e2e", type: "payment_failed", user_id: "u9", ts: t0 + 22_000, props: { amount: 450 } },
      { app_id: "e2e", type: "checkout_completed", user_id: "u9", ts: t0 + 23_000, props: { amount: 900, currency: "EUR" } },
    ];
    const res = await fetch(`http://127.0.0.1:${port}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify(events) });
    expect(res.status).toBe(202);
    const ids = ((await res.json()) as { results: { event_id: string }[] }).results.map((r) => r.event_id).sort();

    for (const tier of ["clickhouse", "postgres", "archive"] as const) {
      const held = await waitFor(() => tiers[tier](), (l) => l.ids.size === ids.length, { timeoutMs: 60_000, what: `${tier} to hold the events` });
      expect([...held.ids].sort()).toEqual(ids);
    }
    const alerts = await waitFor(() => tiers.sql.unsafe(`select rule_id, group_key, payload from ${id}.alerts`).catch(() => []), (rows) => rows.length >= 1, { timeoutMs: 30_000, what: "the alert in Postgres" });
    expect(alerts.map((a) => [a.rule_id, a.group_key])).toEqual([["e2e.checkout-after-failures", "u9"]]);
    const matched = (alerts[0]!.payload as { events: { type: string }[] }).events.map((e) => e.type);
    expect(matched).toEqual(["payment_failed", "payment_failed", "checkout_completed"]);
    await waitFor(async () => (await tiers.ch.query({ query: `SELECT count() AS n FROM ${id}.alerts`, format: "JSONEachRow" }).then((r) => r.json<{ n: string }>()))[0]!.n, (n) => Number(n) === 1, { timeoutMs: 30_000, what: "the alert in ClickHouse" });

    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill("SIGKILL");
  }
}, 180_000);
