/**
 * The whole pipeline under a constant arrival rate: gateway, processor and store as separate
 * processes on the local stack, on topics and consumer groups of this run alone. Tracer events
 * (known ids, sent beside the load) time accept -> row in ClickHouse and accept -> alert on
 * fg.alerts (bench/rules/marker.yaml fires on them); Kafka offsets give throughput and lag.
 */
import { createClient } from "@clickhouse/client";
import { Kafka, logLevel } from "kafkajs";
import { join } from "node:path";
import { registerZstdCodec } from "../../infra/bus/zstd-codec.ts";
import { runK6 } from "./k6.ts";
import { deleteRunLeftovers } from "./topics.ts";
import { start, summarize, waitReady, type Managed } from "./processes.ts";
import { percentiles } from "./percentiles.ts";
import type { Arrival, EndToEnd } from "./report.ts";

interface Options {
  /** Prefix of the topics and consumer groups of this run. */
  run: string;
  quick: boolean;
  logs: string;
  gatewayEnv: Record<string, string>;
  gatewayUrl: string;
  apiKey: string;
  say: (msg: string) => void;
}

export async function runEndToEnd(o: Options): Promise<EndToEnd> {
  const run = o.run;
  const prefix = `${run}.`;
  const env = { ...o.gatewayEnv, FG_TOPIC_PREFIX: prefix, FG_PROCESSOR_GROUP: `${run}-processor`, FG_STORE_GROUP_PREFIX: `${run}-store`, FG_RULES_DIR: "bench/rules" };
  // The processor publishes alerts in zstd, which this kafkajs reader needs a codec for.
  registerZstdCodec();
  const kafka = new Kafka({ clientId: "bench", brokers: process.env.FG_KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ch = createClient({ url: process.env.FG_CLICKHOUSE_URL!, database: process.env.FG_CLICKHOUSE_DATABASE ?? "fluxgate" });
  const roles: Managed[] = [];
  const alerts = kafka.consumer({ groupId: `${run}-tracer` });
  try {
    // The store answers on an admin port once started (its ClickHouse database and tables exist then).
    const storeAdmin = { FG_ADMIN_PORT: "18098" };
    for (const role of ["store", "processor", "gateway"]) roles.push(start(role, ["bun", "infra/app/main.ts", role], role === "store" ? { ...env, ...storeAdmin } : env, join(o.logs, `e2e-${role}.log`)));
    await waitReady(roles[0]!, `http://127.0.0.1:${storeAdmin.FG_ADMIN_PORT}/readyz`);
    await waitReady(roles[2]!, `${o.gatewayUrl}/readyz`);
    const eventsTopic = `${prefix}fg.events`;
    const groups = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(run) && !g.endsWith("-tracer"));
    // Consumers join their groups after start-up; load before that would count as lag.
    for (let i = 0; i < 240 && (await groups()).length < 2; i++) await Bun.sleep(250);

    const sentAt = new Map<string, number>();
    // Per tracer: when it was accepted (s into the load) and how long it took to arrive.
    const toClickhouse: Arrival[] = [];
    const toAlert: Arrival[] = [];
    const t0 = Date.now();
    const arrival = (id: string): Arrival | undefined => {
      const t = sentAt.get(id);
      return t === undefined ? undefined : { t_s: Math.round((t - t0) / 100) / 10, ms: Date.now() - t };
    };
    const seenInCh = new Set<string>();
    await alerts.connect();
    await alerts.subscribe({ topic: `${prefix}fg.alerts`, fromBeginning: true });
    await alerts.run({
      eachMessage: async ({ message }) => {
        const alert = JSON.parse(message.value!.toString()) as { events?: { event_id: string }[] };
        for (const e of alert.events ?? []) {
          const a = arrival(e.event_id);
          if (a) toAlert.push(a);
        }
      },
    });

    const seconds = o.quick ? 20 : 90;
    const rate = o.quick ? 500 : 2000;
    o.say(`end to end: ${rate} events/s for ${seconds} s`);
    const load = runK6("bench/k6/http-single.js", { BASE_URL: o.gatewayUrl, API_KEY: o.apiKey, APP_ID: "bench", MODE: "open", RATE: String(rate), DURATION: `${seconds}s` }, { requests: "http_reqs", latency: "http_req_duration" }, join(o.logs, "e2e.k6.log"));
    let loading = true;
    void load.finally(() => (loading = false));

    let tracer = 0;
    const tracers = (async () => {
      while (loading) {
        const id = Bun.randomUUIDv7();
        const body = { event_id: id, app_id: "bench", type: "signup", user_id: `tracer-${run}-${tracer++}`, props: { plan: "bench-marker" } };
        const res = await fetch(`${o.gatewayUrl}/v1/events`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${o.apiKey}` }, body: JSON.stringify(body) });
        if (res.status === 202) sentAt.set(id, Date.now());
        await Bun.sleep(500);
      }
    })();

    const series: EndToEnd["series"] = [];
    const maxLag: Record<string, number> = {};
    const sumOffsets = (xs: { offset: string }[]) => xs.reduce((s, x) => s + Number(x.offset), 0);
    let last = { produced: sumOffsets(await admin.fetchTopicOffsets(eventsTopic)), rows: await chCount(ch), at: Date.now() };
    const until = () => loading || (Date.now() - t0 < (seconds + 30) * 1000 && seenInCh.size + 2 < sentAt.size);
    // Tracers are looked for every 100 ms, apart from the 1 s series below: polling only once a second
    // added up to a second to every accept -> ClickHouse figure. The filter on app_id and ts lets
    // the sorting key (app_id, hour, event_id) skip other apps and hours.
    const sinceS = Math.floor(t0 / 1000) - 60;
    const watchTracers = (async () => {
      while (until()) {
        const pending = [...sentAt.keys()].filter((id) => !seenInCh.has(id));
        if (pending.length) {
          // Literals, not query parameters: ClickHouse 18.16 has none (ids are UUIDs the harness made).
          const rows = await ch.query({
            query: `SELECT event_id FROM events WHERE app_id = 'bench' AND ts >= ${sinceS} AND event_id IN (${pending.map((id) => `'${id}'`).join(",")})`,
            format: "JSONEachRow",
          }).then((r) => r.json<{ event_id: string }>());
          for (const r of rows) if (!seenInCh.has(r.event_id)) (seenInCh.add(r.event_id), toClickhouse.push(arrival(r.event_id)!));
        }
        await Bun.sleep(100);
      }
    })();

    while (until()) {
      await Bun.sleep(1000);
      const end = await admin.fetchTopicOffsets(eventsTopic);
      const produced = sumOffsets(end);
      const rowsNow = await chCount(ch);
      const lag: Record<string, number> = {};
      const ends = new Map<string, Promise<{ partition: number; offset: string }[]>>();
      const endOf = (topic: string) => ends.get(topic) ?? (ends.set(topic, admin.fetchTopicOffsets(topic)), ends.get(topic)!);
      for (const g of await groups()) {
        // Each group's lag on the topics it reads (events, repartitioned events, results, alerts).
        const committed = await admin.fetchOffsets({ groupId: g }).catch(() => []);
        let total = 0;
        for (const t of committed) {
          const topicEnd = await endOf(t.topic).catch(() => []);
          for (const p of topicEnd) total += Math.max(0, Number(p.offset) - Math.max(0, Number(t.partitions.find((c) => c.partition === p.partition)?.offset ?? 0)));
        }
        if (!committed.length) continue;
        lag[g] = total;
        maxLag[g] = Math.max(maxLag[g] ?? 0, total);
      }
      const now = Date.now();
      const dt = (now - last.at) / 1000;
      series.push({ t_s: Math.round((now - t0) / 1000), accepted_per_s: Math.round((produced - last.produced) / dt), clickhouse_rows_per_s: Math.round((rowsNow - last.rows) / dt), lag });
      last = { produced, rows: rowsNow, at: now };
    }
    await tracers;
    await watchTracers;
    const ack = await load;
    return {
      accepted_events: Math.round(ack.requests_per_s * seconds * (1 - ack.failed_ratio)),
      accept_to_clickhouse_ms: percentiles(toClickhouse.map((a) => a.ms)),
      accept_to_alert_ms: percentiles(toAlert.map((a) => a.ms)),
      tracers: { to_clickhouse: toClickhouse, to_alert: toAlert },
      max_lag: maxLag,
      resources: Object.fromEntries(roles.map((r) => [r.name, summarize(r.samples)])),
      series,
    };
  } finally {
    await Promise.all(roles.map((r) => r.stop()));
    await alerts.disconnect().catch(() => {});
    await admin.disconnect();
    await ch.close();
    await deleteRunLeftovers(run).catch(() => {});
  }
}

async function chCount(ch: ReturnType<typeof createClient>): Promise<number> {
  const rows = await ch.query({ query: "SELECT count() AS n FROM events WHERE app_id = 'bench'", format: "JSONEachRow" }).then((r) => r.json<{ n: string }>());
  return Number(rows[0]?.n ?? 0);
}
