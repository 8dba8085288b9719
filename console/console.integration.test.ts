/**
 * The console in a real browser (Debian's chromium, driven by playwright-core) against `fluxgate
 * all` on the real Kafka, Redis, Postgres, ClickHouse and S3: events (some refused, some over the
 * rate limit) move the counters on the page, a pushed rule fires and its alert reaches the page's
 * feed within 2 s, lag and the running rule-set revision are shown, and a rollback made in the
 * page (after its confirmation) switches the processor. A second test proves the access rules on
 * the API: no credential gets nothing, an app's key gets its own app only, the operator all.
 * Screenshots go to $FG_SCREENSHOTS (CI sets it) or a fresh temporary folder; the path is printed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { storeTestEnv, tierReaders } from "../store/tiers.test-support.ts";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { freePort } from "../test/support/free-port.ts";
import { readTopic } from "../test/support/read-topic.ts";
import { requireEnv } from "../test/support/services.ts";
import { waitFor } from "../test/support/wait-for.ts";

const CHROMIUM = process.env.FG_CHROMIUM ?? "/usr/bin/chromium";
const root = new URL("..", import.meta.url).pathname;
const port = freePort();
const base = storeTestEnv();
const id = base.FG_STORE_GROUP_PREFIX!;
const adminKey = `fgadm_test_${crypto.randomUUID()}`;
const env: Record<string, string> = {
  ...(base as Record<string, string>),
  FG_REDIS_URL: requireEnv("FG_REDIS_URL"),
  FG_RULES_SCHEMA: id,
  FG_RULES_ALERTS_GROUP: `${id}-alerts`,
  FG_PROCESSOR_GROUP: `${id}-processor`,
  FG_PROCESSOR_STATE_PREFIX: `fg:${id}:`,
  FG_GATEWAY_PORT: String(port),
  FG_GRPC_PORT: String(freePort()),
  FG_DATA_DIR: mkdtempSync(join(tmpdir(), "fg-console-")),
  FG_ADMIN_KEY: adminKey,
  // A low limit for one app, so the page has rate-limited requests to show.
  FG_RATE_LIMIT_APPS: JSON.stringify({ limited: { rate: 5, burst: 5 } }),
};
const origin = `http://127.0.0.1:${port}`;
const shots = process.env.FG_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "fluxgate-console-screenshots-"));
mkdirSync(shots, { recursive: true });
console.log(`console screenshots: ${shots}`);

const RULE = "console.failures-then-checkout";
const ruleText = (times: number, severity: string) => `id: ${RULE}
app: "*"
description: Failed payments, then a checkout larger than each, within 10 minutes
severity: ${severity}
# Grouped by the bus key (user_id here), so the rule runs where the events land: no repartition wait.
group_by: key
filter:
  type: [payment_failed, checkout_completed]
pattern:
  within: 10m
  steps:
    - name: failures
      filter: { type: payment_failed }
      times: ${times}
    - name: checkout
      filter:
        type: checkout_completed
        props.amount: { gt: { ref: { step: failures, agg: max, field: props.amount } } }
alert:
  title: "Checkout after ${times} failed payments for {{group_key}}"
  sinks: [topic, live]
`;

let proc: ReturnType<typeof Bun.spawn> | undefined;
let browser: Browser | undefined;
const keys: Record<string, string> = {};
const tiers = tierReaders(base);
const testBus = createKafkaBus({ brokers: requireEnv("FG_KAFKA_BROKERS").split(","), clientId: "console-test" });

async function fluxgate(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(["bun", "infra/app/main.ts", ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** Sends a batch; a 503 (Kafka slow to acknowledge on a busy machine) is retried as a client should, after Retry-After. */
async function send(app: string, events: object[]): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${origin}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": keys[app]! }, body: JSON.stringify(events) });
    if (res.status !== 503 || attempt === 10) return res;
    await Bun.sleep(Number(res.headers.get("retry-after") ?? 1) * 1_000);
  }
}

const pay = (app: string, user: string, amount: number) => ({ app_id: app, type: "payment_failed", user_id: user, props: { amount, currency: "EUR" } });
const checkout = (app: string, user: string, amount: number) => ({ app_id: app, type: "checkout_completed", user_id: user, props: { amount, currency: "EUR" } });

async function pushRule(times: number, severity: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "fg-console-rules-"));
  writeFileSync(join(dir, "rule.yaml"), ruleText(times, severity));
  const r = await fluxgate(["rules", "push", dir, "--author", "test", "--comment", `times ${times}`]);
  expect(r.code, r.err).toBe(0);
  return Number(/rule set revision (\d+) published/.exec(r.out)![1]);
}

const text = (page: Page, selector: string) => page.locator(selector).allInnerTexts().then((t) => t.join("\n"));
/** Page text is read through locators (this file runs in Bun; `document` exists only in the page). */
const counterAtLeast = (page: Page, testId: string, n: number) =>
  waitFor(() => page.locator(`[data-testid=${testId}]`).innerText().then((t) => Number(t.replace(/,/g, ""))), (v) => v >= n, { intervalMs: 200, timeoutMs: 10_000, what: `${testId} >= ${n}` });
const revisionShown = (page: Page, revision: number) =>
  page.locator("[data-testid=processor-revision]", { hasText: new RegExp(`^${revision}$`) }).waitFor({ timeout: 20_000 });
const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`) });

beforeAll(async () => {
  for (const app of ["shop", "other", "limited"]) {
    const r = await fluxgate(["keys", "create", "--app", app]);
    expect(r.code, r.err).toBe(0);
    keys[app] = r.out.trim().split("\n").at(-1)!;
  }
  proc = Bun.spawn(["bun", "infra/app/main.ts", "all"], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit" });
  await waitFor(() => fetch(`${origin}/console/api/whoami`, { headers: { authorization: `Bearer ${adminKey}` } }).then((r) => r.status, () => 0), (s) => s === 200, { timeoutMs: 90_000, what: "the console" });
  await waitFor(() => fetch(`${origin}/readyz`).then((r) => r.status, () => 0), (s) => s === 200, { timeoutMs: 60_000, what: "the gateway" });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (proc) {
    proc.kill("SIGTERM");
    const code = await Promise.race([proc.exited, Bun.sleep(20_000).then(() => "timeout")]);
    if (code === "timeout") proc.kill("SIGKILL");
  }
  await testBus.close();
  await tiers.sql.unsafe(`drop schema if exists ${id} cascade`).catch(() => {});
  await tiers.close();
  console.log(`console screenshots: ${shots}`);
}, 60_000);

test("in the browser: counters move, a pushed rule's alert shows within 2 s, lag and revision are shown, a rollback switches the processor", async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The operator's link as the process printed it: the key in the fragment, traded for a cookie.
  await page.goto(`${origin}/console/#key=${encodeURIComponent(adminKey)}`);
  await page.waitForSelector("#live-dot.live");
  expect(page.url()).not.toContain(adminKey);
  // A steady trickle for the rest of the test, so the rates and charts have something to show. It
  // is background load only: a send the loaded machine drops is counted, not a failure of the console.
  let trickling = true;
  let dropped = 0;
  const trickle = (async () => {
    for (let i = 0; trickling; i++) {
      await Promise.all([
        send("shop", Array.from({ length: 5 }, (_, j) => ({ app_id: "shop", type: "page_view", user_id: `t${j}`, props: { path: `/t/${i}` } }))),
        send("other", [{ app_id: "other", type: "page_view", user_id: `t${i % 3}`, props: { path: "/" } }]),
        ...(i % 4 === 0 ? [send("shop", [{ app_id: "shop", type: "page_viewed", user_id: "t", props: {} }])] : []), // unknown_type
      ]).catch(() => dropped++);
      await Bun.sleep(250);
    }
    if (dropped) console.log(`background trickle: ${dropped} sends failed on the way`);
  })();

  try {
    // Ingest: accepted for two apps, refused ones with their error text, and some over a limit.
    expect((await send("shop", Array.from({ length: 30 }, (_, i) => ({ app_id: "shop", type: "page_view", user_id: `v${i % 5}`, props: { path: `/p/${i}` } })))).status).toBe(202);
    expect((await send("other", Array.from({ length: 12 }, (_, i) => ({ app_id: "other", type: "page_view", user_id: `o${i}`, props: { path: "/" } })))).status).toBe(202);
    const refused = await send("shop", [{ app_id: "shop", type: "checkout_completed", user_id: "bad", props: { amount: "lots", currency: "EUR" } }]);
    expect(JSON.stringify(await refused.json())).toContain("props.amount");
    for (let i = 0; i < 3; i++) await send("limited", Array.from({ length: 4 }, () => ({ app_id: "limited", type: "page_view", user_id: "l", props: { path: "/" } })));
    await counterAtLeast(page, "accepted-total", 42 + 4);
    await counterAtLeast(page, "rejected-total", 1);
    // The page refreshes once a second: each figure is awaited, not read at one instant.
    const shows = (selector: string, hasText: string | RegExp) => page.locator(selector, { hasText }).waitFor({ timeout: 10_000 });
    await shows("[data-testid=ingest-table] tr", /shop\s*http/);
    await shows("[data-testid=ingest-table] tr", /other\s*http/);
    await shows("[data-testid=samples-table] tr", "props.amount");
    await shows("[data-testid=rejects-table] tr", /limited\s*rate_limited/);
    await shows("#rate-limited tr", "limited");
    await Bun.sleep(4_000); // a few chart points
    await shot(page, "1-overview");

    // A rule that fires: pushed with the CLI, run by the processor, its alert on the page's feed.
    const r1 = await pushRule(2, "critical");
    await page.click("a[data-tab=rules]");
    await revisionShown(page, r1);
    expect(await text(page, "[data-testid=running-rule]")).toContain(`${RULE} v1`);
    await page.click("a[data-tab=alerts]");
    const alertRecords = await readTopic(testBus, `${env.FG_TOPIC_PREFIX}fg.alerts`, `${id}-test-alerts`);
    expect((await send("shop", [pay("shop", "alice", 40), pay("shop", "alice", 60)])).status).toBe(202);
    expect((await send("other", [pay("other", "otto", 10), pay("other", "otto", 20), checkout("other", "otto", 99)])).status).toBe(202);
    expect((await send("shop", [checkout("shop", "alice", 500)])).status).toBe(202);
    const acked = Date.now();
    await page.locator("[data-testid=alert-row]", { hasText: "alice" }).waitFor({ timeout: 10_000 });
    const shown = Date.now();
    // The feed's latency counts from the alert's raising: its record's timestamp on fg.alerts (same clock).
    const record = await waitFor(() => alertRecords.records.find((r) => r.value.toString().includes('"group_key":"alice"')), (r) => r !== undefined, { what: "the alert on fg.alerts" });
    await alertRecords.stop();
    console.log(`alert raised ${record!.timestamp - acked} ms after its last event was acknowledged, on the page ${shown - record!.timestamp} ms after it was raised`);
    expect(shown - record!.timestamp).toBeLessThan(2_000);
    await page.locator("[data-testid=alert-row]", { hasText: "otto" }).waitFor({ timeout: 10_000 });
    // Filtering by app leaves the other app's alert out; one alert shows the events that matched.
    await page.selectOption("#f-app", "shop");
    expect(await page.locator("[data-testid=alert-row]").count()).toBe(1);
    await shot(page, "2-alerts");
    await page.locator("[data-testid=alert-row]", { hasText: "alice" }).click();
    await page.locator("#alert-dialog[open] [data-testid=alert-events]").waitFor();
    const matched = await text(page, "[data-testid=alert-events]");
    expect(matched.match(/payment_failed/g)?.length).toBe(2);
    expect(matched).toContain("checkout_completed");
    expect(matched).toContain('"amount":500');
    await shot(page, "3-alert-events");
    await page.click("#alert-dialog [data-close]");

    // Pipeline: consumer lag per group and partition, watermarks, sinks.
    await page.click("a[data-tab=pipeline]");
    await page.locator("[data-testid=lag-table]", { hasText: `${id}-processor` }).waitFor({ timeout: 15_000 });
    expect(await text(page, "[data-testid=lag-table]")).toMatch(/p0 \d+/);
    await page.locator("[data-testid=sinks-table]", { hasText: "clickhouse" }).waitFor({ timeout: 15_000 });
    expect(await text(page, "[data-testid=watermarks-table]")).toContain("events");
    await shot(page, "4-pipeline");

    // A second version, then back to the first from the page: the processor switches to a new revision.
    const r2 = await pushRule(3, "warning");
    await page.click("a[data-tab=rules]");
    await revisionShown(page, r2);
    await page.locator("[data-testid=rule-list] tbody tr", { hasText: RULE }).click();
    await page.locator("#diff .add", { hasText: "times: 3" }).waitFor({ timeout: 10_000 });
    expect(await text(page, "#diff .del")).toContain("times: 2");
    await shot(page, "5-rules-diff");
    await page.click("[data-rollback='1']");
    await page.locator("#confirm-dialog[open]").waitFor();
    expect(await text(page, "#confirm-title")).toContain(`Roll back ${RULE} to v1?`);
    await shot(page, "6-rollback-confirm");
    await page.click("#confirm-ok");
    await revisionShown(page, r2 + 1);
    await page.locator("[data-testid=running-rule]", { hasText: `${RULE} v1` }).waitFor({ timeout: 10_000 });
    await page.locator("[data-testid=rollback-output]", { hasText: `rule set revision ${r2 + 1} published` }).waitFor({ timeout: 10_000 });
    await shot(page, "7-after-rollback");

    // The same page on a phone.
    const phone = await browser!.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.goto(`${origin}/console/#key=${encodeURIComponent(adminKey)}`);
    await phone.waitForSelector("[data-testid=kpi-accepted]");
    const overflow = await phone.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone, "8-phone-overview");
    await phone.click("a[data-tab=alerts]");
    await phone.locator("[data-testid=alert-row]").first().waitFor();
    await shot(phone, "9-phone-alerts");
  } catch (e) {
    await shot(page, "failure").catch(() => {});
    throw e;
  } finally {
    trickling = false;
    await trickle;
  }
  expect(errors).toEqual([]);
}, 180_000);

test("access: no credential gets nothing; an app's key sees its own app only and no operator view; the operator sees every app", async () => {
  const get = (path: string, key?: string, init: RequestInit = {}) =>
    fetch(`${origin}/console/api${path}`, { ...init, headers: { ...(key ? { "x-api-key": key } : {}), ...(init.headers ?? {}) } });
  for (const path of ["/snapshot", "/history", "/alerts", "/stream", "/rules"]) expect((await get(path)).status).toBe(401);
  expect((await get("/snapshot", "fgk_not_a_key")).status).toBe(401);

  await waitFor(() => get("/alerts", adminKey).then((r) => r.json() as Promise<{ app_id: string }[]>), (l) => new Set(l.map((a) => a.app_id)).size >= 2, { what: "alerts of both apps" });
  const operator = (await (await get("/snapshot", adminKey)).json()) as { ingest: { rows: { app: string }[] }; pipeline: unknown };
  expect(new Set(operator.ingest.rows.map((r) => r.app))).toEqual(new Set(["shop", "other", "limited"]));
  expect(operator.pipeline).not.toBeNull();

  const shop = (await (await get("/snapshot", keys.shop)).json()) as { scope: unknown; ingest: { rows: { app: string }[]; rejects: { app: string }[]; samples: { app: string }[] }; pipeline: unknown };
  expect(shop.scope).toEqual({ kind: "app", app: "shop" });
  expect(shop.ingest.rows.length).toBeGreaterThan(0);
  for (const list of [shop.ingest.rows, shop.ingest.rejects, shop.ingest.samples]) expect(list.every((r) => r.app === "shop")).toBe(true);
  expect(shop.pipeline).toBeNull();
  const history = (await (await get("/history", keys.shop)).json()) as { accepted: Record<string, number>; processed?: number }[];
  expect(history.every((p) => Object.keys(p.accepted).every((a) => a === "shop") && p.processed === undefined)).toBe(true);

  const shopAlerts = (await (await get("/alerts", keys.shop)).json()) as { id: string; app_id: string }[];
  expect(shopAlerts.length).toBeGreaterThan(0);
  expect(shopAlerts.every((a) => a.app_id === "shop")).toBe(true);
  const all = (await (await get("/alerts", adminKey)).json()) as { id: string; app_id: string }[];
  const othersAlert = all.find((a) => a.app_id === "other")!;
  expect((await get(`/alerts/${othersAlert.id}`, keys.shop)).status).toBe(404);
  expect((await get(`/alerts/${othersAlert.id}`, keys.other)).status).toBe(200);
  expect((await get(`/alerts?app=other`, keys.shop).then((r) => r.json())) as unknown[]).toEqual([]);

  for (const path of ["/rules", `/rules/${RULE}/history`, `/rules/${RULE}/diff?from=1&to=2`]) expect((await get(path, keys.shop)).status).toBe(403);
  const rollback = await get(`/rules/${RULE}/rollback`, keys.shop, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ version: 2 }) });
  expect(rollback.status).toBe(403);
  expect((await get("/rules", adminKey)).status).toBe(200);

  // The live feed of an app's key carries only its app's alerts and no pipeline.
  const ctl = new AbortController();
  const res = await get("/stream", keys.other, { signal: ctl.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let received = "";
  while (!received.includes("event: snapshot")) received += new TextDecoder().decode((await reader.read()).value);
  ctl.abort();
  expect(received).toContain('"app_id":"other"');
  expect(received).not.toContain('"app_id":"shop"');
  expect(received).toContain('"pipeline":null');

  // The page with an app's key: its own app, no operator tabs.
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${origin}/console/`);
  await page.fill("#login-key", keys.shop!);
  await page.click("#login-form button");
  await page.waitForSelector("#live-dot.live");
  await page.locator("[data-testid=ingest-table]").waitFor();
  expect(await text(page, "[data-testid=ingest-table]")).not.toContain("other");
  expect(await page.locator("a[data-tab=pipeline]").isVisible()).toBe(false);
  await shot(page, "10-app-key-view");
}, 60_000);
