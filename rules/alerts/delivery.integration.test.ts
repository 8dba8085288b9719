/**
 * Alert delivery against the real services: alerts go through the emitter onto a fresh fg.alerts
 * topic on Kafka, the delivery service writes them to Postgres (own schema per run) and delivers
 * them to local Bun.serve receivers: one that checks signatures, one that fails twice first, and
 * one that hangs, which must delay only itself and end up as dead letters that a command replays.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import postgres from "postgres";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { runRulesCommand } from "../../infra/app/rules-command.ts";
import { compileRule, type CompiledRule } from "../compile/rule.ts";
import { parseRuleText } from "../language/parse.ts";
import type { Alert } from "../../schemas/alert.ts";
import { windowAlert } from "../compile/alert.ts";
import { createAlertDeliveryService, type DeliveryService } from "./delivery-service.ts";
import { createAlertEmitter } from "../../processor/alerts/emitter.ts";
import { verifySignature } from "./sign.ts";
import { createAlertStore } from "./store/alert-store.ts";

const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
const pgUrl = requireEnv("FG_POSTGRES_URL");
const sql = postgres(pgUrl, { max: 6, onnotice: () => {} });
const schema = uniqueName("alerts").toLowerCase();
const topic = uniqueName("fg.alerts");
const bus = createKafkaBus({ brokers, clientId: "fluxgate-alerts-test" });
const store = createAlertStore(sql, schema);
const secret = "a-webhook-secret-of-some-length";

type Delivery = { id: string; at: number; signed: boolean };
const received: Record<"good" | "flaky" | "hang", Delivery[]> = { good: [], flaky: [], hang: [] };
// The flaky receiver fails the first three attempts at each alert.
const flakyFailures = new Map<string, number>();
let hangReleased = false;
const receiver = Bun.serve({
  port: 0,
  async fetch(req) {
    const sink = new URL(req.url).pathname.slice(1);
    const body = await req.text();
    const entry = { id: JSON.parse(body).id as string, at: performance.now(), signed: verifySignature(secret, body, req.headers.get("x-fluxgate-signature")) };
    if (sink === "flaky" && (flakyFailures.get(entry.id) ?? 0) < 3) {
      flakyFailures.set(entry.id, (flakyFailures.get(entry.id) ?? 0) + 1);
      return new Response("busy", { status: 503 });
    }
    if (sink === "hang" && !hangReleased) return new Promise<Response>(() => {}); // never answers
    (received[sink as keyof typeof received] ?? []).push(entry);
    return new Response("ok");
  },
});
const hook = (name: string, extra: object = {}) => ({
  url: `http://127.0.0.1:${receiver.port}/${name}`, secret, timeout_ms: 300, max_attempts: 3, concurrency: 1, queue_limit: 100, ...extra,
});
const webhooks = { good: hook("good"), flaky: hook("flaky", { max_attempts: 5 }), hang: hook("hang", { max_attempts: 2 }) };
let service: DeliveryService;

beforeAll(async () => {
  service = createAlertDeliveryService({ bus, topic, groupId: uniqueName("sinks"), store, webhooks, backoff: { baseMs: 20, maxMs: 50 } });
  await service.start();
});
afterAll(async () => {
  await service.stop();
  await bus.close();
  receiver.stop(true);
  await sql`drop schema if exists ${sql(schema)} cascade`;
  await sql.end();
});

function rule(id: string, sinks: string[]): CompiledRule {
  const parsed = parseRuleText(`id: ${id}\napp: shop\ndescription: d\nseverity: critical\nwindow: { type: tumbling, size: 1m, threshold: { gt: 1 } }\nalert: { sinks: [${sinks.join(", ")}] }\n`, "t.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const c = compileRule(parsed.rules[0]!.rule, 7);
  if (!c.ok) throw new Error(c.error);
  return c.rule;
}

const alertFor = (r: CompiledRule, group: string, start: number): Alert =>
  windowAlert({ rule: r, ruleSetVersion: "12", appId: "shop", groupKey: group },
    { start, end: start + 60_000, aggregate: "count", value: 5, threshold: { op: "gt", value: 1 } });

test("delivery: signed, retried with a record per attempt, a hanging endpoint delays only itself, dead letters replay", async () => {
  const publisher = await bus.publisher();
  const emitter = createAlertEmitter({ publisher, topic });

  // Warm-up: the service's consumer group has joined once this arrives.
  const warm = rule("warm", ["webhook:good"]);
  await emitter.emit([{ alert: alertFor(warm, "w", 0), throttleMs: 0 }]);
  await waitFor(() => received.good.length, (n) => n === 1, { what: "the warm-up alert" });

  const all = rule("fraud", ["postgres", "webhook:good", "webhook:flaky", "webhook:hang"]);
  const alerts = [1, 2, 3].map((i) => alertFor(all, `u${i}`, i * 60_000));
  const sentAt = performance.now();
  const verdicts = await emitter.emit([...alerts, alerts[0]!].map((alert) => ({ alert, throttleMs: 0 })));
  expect(verdicts).toEqual(["send", "send", "send", "duplicate"]);

  // The good sink gets all three promptly although the hanging one holds every slot it has.
  await waitFor(() => received.good.length, (n) => n === 4, { timeoutMs: 2_000, what: "good deliveries" });
  expect(Math.max(...received.good.map((r) => r.at)) - sentAt).toBeLessThan(1_500);
  expect(received.good.every((r) => r.signed)).toBe(true);
  expect(received.hang.length).toBe(0);

  // Postgres sink: one row per alert, payload and rule version kept.
  await waitFor(async () => (await sql`select count(*)::int as n from ${sql(schema)}.alerts`)[0]!.n as number, (n) => n === 3, { what: "alert rows" });
  const [row] = await sql`select rule_id, rule_version, severity, group_key, app_id, payload from ${sql(schema)}.alerts where id = ${alerts[0]!.id}`;
  expect(row).toMatchObject({ rule_id: "fraud", rule_version: 7, severity: "critical", group_key: "u1", app_id: "shop" });
  expect(row!.payload.rule_link).toBe("fluxgate://rules/fraud/versions/7");

  // Flaky: 503 three times, then delivered: each alert exactly once, signed, four delivery records each.
  await waitFor(() => received.flaky.length, (n) => n === 3, { what: "flaky deliveries" });
  await service.idle();
  expect(received.flaky.map((r) => r.id).sort()).toEqual(alerts.map((a) => a.id).sort());
  expect(received.flaky.every((r) => r.signed)).toBe(true);
  for (const a of alerts) {
    const attempts = (await store.attempts(a.id, "webhook:flaky")).map((x) => [x.attempt, x.status, x.httpStatus]);
    expect(attempts).toEqual([[1, "retry", 503], [2, "retry", 503], [3, "retry", 503], [4, "ok", 200]]);
  }

  // Hanging: each attempt times out; after max_attempts the jobs are dead letters.
  await service.idle();
  const dead = await store.deadLetters("webhook:hang");
  expect(dead.map((d) => d.alert_id).sort()).toEqual(alerts.map((a) => a.id).sort());
  expect((await store.attempts(alerts[0]!.id, "webhook:hang")).map((a) => [a.status, a.error])).toEqual([
    ["retry", "timed out after 300 ms"], ["dead", "timed out after 300 ms"],
  ]);

  // The endpoint is back: one command delivers the dead letters.
  hangReleased = true;
  const out: string[] = [];
  const env = { FG_TOPIC_PREFIX: "", FG_KAFKA_CLIENT_ID: "t", FG_POSTGRES_URL: pgUrl, FG_RULES_SCHEMA: schema, FG_RULES_WEBHOOKS: webhooks };
  const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
  expect(await runRulesCommand(["dead-letters", "--sink", "hang"], env, io)).toBe(0);
  expect(out.at(-1)).toBe("3 dead letters");
  expect(await runRulesCommand(["replay-dead-letters", "--sink", "hang"], env, io)).toBe(0);
  expect(out.at(-1)).toBe("replayed 3 dead letters: 3 delivered, 0 dead again");
  expect(received.hang.every((r) => r.signed) && received.hang.length).toBe(3);
  expect(await store.deadLetters()).toEqual([]);
  await publisher.close();
});
