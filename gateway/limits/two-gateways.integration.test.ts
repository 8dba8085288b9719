/** Two gateway processes share one app limit through Redis: together they admit the limit, within 10%. */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../test/support/free-port.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";

const root = new URL("../..", import.meta.url).pathname;
const app = uniqueName("rl").toLowerCase().replaceAll(/[^a-z0-9_-]/g, "");
const limit = { rate: 400, burst: 100 };
const env = {
  ...process.env,
  FG_KAFKA_BROKERS: requireEnv("FG_KAFKA_BROKERS"), FG_REDIS_URL: requireEnv("FG_REDIS_URL"), FG_POSTGRES_URL: requireEnv("FG_POSTGRES_URL"),
  FG_TOPIC_PREFIX: `${app}.`, FG_LOG_LEVEL: "error", FG_DATA_DIR: mkdtempSync(join(tmpdir(), "fg-rl-")),
  FG_RATE_LIMIT_APPS: JSON.stringify({ [app]: limit }),
};
const ports = [0, 1].map(() => freePort());
const gateways: Subprocess[] = [];
afterAll(() => gateways.forEach((g) => g.kill("SIGKILL")));

test("an app limit shared by two gateways holds within 10% of its setting", async () => {
  const keys = Bun.spawn(["bun", "infra/app/main.ts", "keys", "create", "--app", app], { cwd: root, env, stdout: "pipe" });
  const key = (await new Response(keys.stdout).text()).trim().split("\n").at(-1)!;
  for (const port of ports) {
    gateways.push(Bun.spawn(["bun", "infra/app/main.ts", "gateway"], { cwd: root, env: { ...env, FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(freePort()) }, stdout: "ignore", stderr: "inherit" }));
  }
  for (const port of ports) await waitFor(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0), (s) => s === 200, { timeoutMs: 30_000, what: `gateway on ${port}` });

  const batch = JSON.stringify(Array.from({ length: 10 }, () => ({ app_id: app, type: "signup" })));
  const seconds = 4;
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  const accepted = [0, 0];
  // Four clients per gateway, each far over the limit on its own.
  await Promise.all(ports.flatMap((port, g) => Array.from({ length: 4 }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: batch });
      if (res.status === 202) accepted[g]! += 10;
      else if (res.status === 429) await Bun.sleep(5);
      else throw new Error(`unexpected ${res.status}: ${await res.text()}`);
    }
  })));
  const elapsed = (performance.now() - started) / 1_000;
  const total = accepted[0]! + accepted[1]!;
  const allowed = limit.burst + limit.rate * elapsed;
  expect(Math.abs(total - allowed) / allowed).toBeLessThan(0.1);
  expect(Math.min(...accepted)).toBeGreaterThan(0);
}, 60_000);
