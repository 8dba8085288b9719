/**
 * The `alerts` role as the entry point runs it, against real Kafka and Postgres: what the
 * processor's emitter puts on fg.alerts lands once in the alerts table and once at each webhook,
 * even when the same alert reaches the topic twice (a processor re-emitting after a restart), and
 * alerts within a throttle period of their dedup key never reach the topic at all.
 */
import { afterAll, expect, test } from "bun:test";
import postgres from "postgres";
import { createBus } from "../../infra/bus/index.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { loadConfig } from "../../infra/app/config/load.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { windowAlert } from "../compile/alert.ts";
import { createAlertEmitter } from "../../processor/alerts/emitter.ts";
import { compileRule } from "../compile/rule.ts";
import { parseRuleText } from "../language/parse.ts";
import { createAlertDeliveryRole } from "./role.ts";
import { signedWebhookReceiver } from "../../test/support/rules/webhook-receiver.ts";

const pgUrl = requireEnv("FG_POSTGRES_URL");
requireEnv("FG_KAFKA_BROKERS");
const sql = postgres(pgUrl, { max: 2, onnotice: () => {} });
const schema = uniqueName("alertrole").toLowerCase();
const prefix = `${uniqueName("t")}.`;
const secret = "the-role-test-webhook-secret";

const receiver = signedWebhookReceiver(secret);
const { received } = receiver;

const env = loadConfig({
  ...process.env,
  FG_TOPIC_PREFIX: prefix,
  FG_RULES_SCHEMA: schema,
  FG_RULES_ALERTS_GROUP: uniqueName("sinks"),
  FG_RULES_WEBHOOKS: JSON.stringify({ ops: { url: receiver.url, secret } }),
});
const topics = topicNames(prefix);
const bus = createBus(env);
const role = createAlertDeliveryRole({ env, bus, topics, logger: createLogger("error") });

afterAll(async () => {
  await role.stop();
  await bus.close();
  receiver.stop();
  await sql`drop schema if exists ${sql(schema)} cascade`;
  await sql.end();
});

const parsed = parseRuleText(
  "id: card-testing\napp: shop\ndescription: d\nseverity: critical\nwindow: { type: tumbling, size: 1m, threshold: { gt: 1 } }\n" +
    "alert: { dedup_key: '{{rule_id}}:{{group_key}}', throttle: 10m, sinks: [postgres, webhook:ops] }\n",
  "card-testing.yaml",
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const compiled = compileRule(parsed.rules[0]!.rule, 3);
if (!compiled.ok) throw new Error(compiled.error);
const rule = compiled.rule;
const alertAt = (group: string, start: number) =>
  windowAlert({ rule, ruleSetVersion: "5", appId: "shop", groupKey: group }, { start, end: start + 60_000, aggregate: "count", value: 4, threshold: { op: "gt", value: 1 } });
const rows = async () => (await sql`select id from ${sql(schema)}.alerts order by id`).map((r) => r.id as string);

test("alerts role: one row and one signed webhook per alert id, throttled alerts never leave the processor", async () => {
  await role.start();
  const publisher = await bus.publisher();
  const emitter = createAlertEmitter({ publisher, topic: topics.alerts });

  const first = alertAt("u1", 0);
  const throttled = alertAt("u1", 60_000); // same dedup key, 1 min later: inside the 10 min throttle
  const other = alertAt("u2", 0);
  expect(await emitter.emit([first, throttled, other, first].map((alert) => ({ alert, throttleMs: rule.alert.throttleMs })))).toEqual([
    "send", "throttled", "send", "duplicate",
  ]);
  // A second processor (or one restarted without its gate's memory) emits the same alert again:
  // it reaches the topic, and the sinks still take it once.
  await createAlertEmitter({ publisher, topic: topics.alerts }).emit([{ alert: first, throttleMs: 0 }]);

  await waitFor(() => received.length, (n) => n >= 2, { timeoutMs: 15_000, what: "webhook deliveries" });
  await waitFor(rows, (ids) => ids.length >= 2, { what: "alert rows" });
  // A later alert of the same group shares the copy's partition key: once it is in, the copy was seen.
  const marker = alertAt("u1", 3_600_000);
  await createAlertEmitter({ publisher, topic: topics.alerts }).emit([{ alert: marker, throttleMs: 0 }]);
  await waitFor(rows, (ids) => ids.includes(marker.id), { what: "the marker row" });
  await waitFor(() => received.length, (n) => n >= 3, { what: "the marker delivery" });

  expect(await rows()).toEqual([first.id, other.id, marker.id].sort());
  expect(received.map((r) => r.id).sort()).toEqual([first.id, other.id, marker.id].sort());
  expect(received.every((r) => r.signed)).toBe(true);
  const [attempts] = await sql`select count(*)::int as n from ${sql(schema)}.alert_deliveries where alert_id = ${first.id}`;
  expect(attempts!.n).toBe(1);
  await publisher.close();
}, 30_000);
