/** A gateway whose Kafka is not there starts anyway: alive, not ready, and 503 at once to events. */
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { loadConfig } from "../infra/app/config/load.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { freePort } from "../test/support/free-port.ts";
import { runKeysCommand } from "./keys/cli.ts";
import { createGatewayRole } from "./role.ts";

test("Kafka unreachable at start: /healthz 200, /readyz 503, events 503 with Retry-After within a second", async () => {
  const port = freePort();
  const closed = "127.0.0.1:9"; // discard port: nothing listens
  const env = loadConfig({
    ...process.env, FG_KAFKA_BROKERS: closed, FG_POSTGRES_URL: "", FG_REDIS_URL: "", FG_LOG_LEVEL: "error", FG_GATEWAY_ALERT_FEED: "false",
    FG_DATA_DIR: mkdtempSync(join(tmpdir(), "fg-nokafka-")), FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(freePort()),
  });
  const out: string[] = [];
  await runKeysCommand(["create", "--app", "nokafka"], env, { out: (l) => out.push(l), err: () => {} });
  const bus = createKafkaBus({ brokers: [closed], clientId: "nokafka" });
  const gateway = createGatewayRole({ env, bus, topics: topicNames(""), logger: createLogger("error") });
  await gateway.start();
  try {
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    const started = performance.now();
    const res = await fetch(`${base}/v1/events`, {
      method: "POST", headers: { "content-type": "application/json", "x-api-key": out[1]! },
      body: JSON.stringify({ app_id: "nokafka", type: "signup" }),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(performance.now() - started).toBeLessThan(1_000);
  } finally {
    await gateway.stop();
    await bus.close();
  }
}, 30_000);
