/**
 * The `alerts` role on embedded defaults (no Postgres, in-process bus): webhooks are still
 * delivered, signed and once per alert id; delivery records live in memory.
 */
import { afterAll, expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { loadConfig } from "../../infra/app/config/load.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { rulesMetrics } from "../metrics.ts";
import { createAlertDeliveryRole } from "./role.ts";
import { signedWebhookReceiver } from "../../test/support/rules/webhook-receiver.ts";

const secret = "embedded-role-webhook-secret";
const receiver = signedWebhookReceiver(secret);
const { received } = receiver;
const env = loadConfig({ FG_RULES_WEBHOOKS: JSON.stringify({ embedded: { url: receiver.url, secret } }) });
const bus = createMemoryBus();
const topics = topicNames("");
const role = createAlertDeliveryRole({ env, bus, topics, logger: createLogger("error") });
afterAll(async () => {
  await role.stop();
  await bus.close();
  receiver.stop();
});

test("embedded: without FG_POSTGRES_URL the role still delivers each alert id once to its webhooks, counted in the metrics", async () => {
  expect(env.FG_POSTGRES_URL).toBeUndefined();
  await role.start();
  const publisher = await bus.publisher();
  const alert = (id: string) => ({ key: "r:g", value: JSON.stringify({ id, sinks: ["topic", "postgres", "webhook:embedded"] }) });
  await publisher.send(topics.alerts, [alert("a1"), alert("a2"), alert("a1")]);
  await waitFor(() => received.length, (n) => n >= 2, { what: "webhook deliveries" });
  await publisher.send(topics.alerts, [alert("a3")]);
  await waitFor(() => received.length, (n) => n >= 3, { what: "the later delivery" });
  expect(received.map((r) => r.id)).toEqual(["a1", "a2", "a3"]);
  expect(received.every((r) => r.signed)).toBe(true);
  const attempts = (await rulesMetrics.webhookAttempts.get()).values.filter((v) => v.labels.sink === "webhook:embedded");
  expect(attempts.map((v) => [v.labels.status, v.value])).toEqual([["ok", 3]]);
});
