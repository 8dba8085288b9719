/**
 * Kafka stops under the gateway (a broker of this test's own): every request is answered within
 * a second (503 with Retry-After while Kafka is away), and after Kafka returns every event the
 * gateway acknowledged is on the topic.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { loadConfig } from "../infra/app/config/load.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { freePort } from "../test/support/free-port.ts";
import { privateKafka } from "../test/support/private-kafka.ts";
import { uniqueName } from "../test/support/services.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { runKeysCommand } from "./keys/cli.ts";
import { createGatewayRole } from "./role.ts";

const kafka = privateKafka();
afterAll(() => kafka.destroy());

test("Kafka stopped: 503 within a second; every acknowledged event is on the topic once Kafka is back", async () => {
  await kafka.start();
  const port = freePort();
  const env = loadConfig({
    ...process.env, FG_KAFKA_BROKERS: kafka.brokers, FG_POSTGRES_URL: "", FG_REDIS_URL: "", FG_LOG_LEVEL: "error",
    FG_DATA_DIR: mkdtempSync(join(tmpdir(), "fg-outage-")), FG_TOPIC_PREFIX: `${uniqueName("outage")}.`, FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(freePort()),
    // The live feed's consumer takes half a minute to leave a restarted broker: not what this test is about.
    FG_GATEWAY_ALERT_FEED: "false",
  });
  const out: string[] = [];
  await runKeysCommand(["create", "--app", "outage"], env, { out: (l) => out.push(l), err: () => {} });
  const key = out[1]!;
  const topics = topicNames(env.FG_TOPIC_PREFIX);
  const bus = createKafkaBus({ brokers: [kafka.brokers], clientId: "outage", sendTimeoutMs: 5_000 });
  const gateway = createGatewayRole({ env, bus, topics, logger: createLogger("error") });
  await gateway.start();
  const acked = new Set<string>();
  const send = async (i: number) => {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
      method: "POST", headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ app_id: "outage", type: "signup", user_id: `u${i}` }),
    });
    const body = (await res.json()) as { event_id?: string };
    if (res.status === 202) acked.add(body.event_id!);
    return { status: res.status, ms: performance.now() - started, retryAfter: res.headers.get("retry-after") };
  };
  try {
    for (let i = 0; i < 20; i++) expect((await send(i)).status).toBe(202);

    await kafka.stop();
    const during = [];
    for (let i = 0; i < 30; i++) during.push(await send(100 + i));
    expect(Math.max(...during.map((r) => r.ms))).toBeLessThan(1_000);
    const refused = during.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(25);
    expect(refused.every((r) => Number(r.retryAfter) >= 1)).toBe(true);
    expect(during.every((r) => r.status === 503 || r.status === 202)).toBe(true);

    await kafka.start();
    await waitFor(() => send(1_000), (r) => r.status === 202, { timeoutMs: 60_000, intervalMs: 500, what: "the gateway acknowledging again" });
    for (let i = 0; i < 20; i++) expect((await send(2_000 + i)).status).toBe(202);

    const reader = new Kafka({ clientId: "outage-reader", brokers: [kafka.brokers], logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName("r") });
    const onTopic = new Set<string>();
    await reader.connect();
    await reader.subscribe({ topic: topics.events, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void onTopic.add(JSON.parse(message.value!.toString()).event_id) });
    await waitFor(() => [...acked].filter((id) => !onTopic.has(id)).length, (missing) => missing === 0, { timeoutMs: 30_000, what: "every acknowledged event on the topic" });
    await reader.disconnect();
  } finally {
    await gateway.stop();
    await bus.close();
  }
}, 180_000);
