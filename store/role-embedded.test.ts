/**
 * The store role on embedded defaults (in-process bus, no ClickHouse): events, window results and
 * alerts all reach the archive, and `fluxgate sql` answers from it within the flush interval
 * (FG_STORE_BATCH_MAX_WAIT_MS), as the README's quick start promises.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "../infra/bus/memory.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { loadConfig } from "../infra/app/config/load.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { busKey } from "../schemas/envelope.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { tierAlerts, tierEvents, tierWindows } from "./clickhouse/tier-sql.test-support.ts";
import { createStoreRole } from "./role.ts";
import { runSqlCommand } from "./sql/index.ts";

setDefaultTimeout(60_000);

const dataDir = mkdtempSync(join(tmpdir(), "fg-store-embedded-"));
const env = loadConfig({ FG_DATA_DIR: dataDir, FG_STORE_BATCH_MAX_WAIT_MS: "200", FG_LOG_LEVEL: "error" });
const topics = topicNames(env.FG_TOPIC_PREFIX);
const bus = createMemoryBus();
const role = createStoreRole({ env, bus, topics, logger: createLogger("error") });
afterAll(async () => {
  await role.stop();
  await bus.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sql(query: string): Promise<string> {
  let out = "";
  let err = "";
  const code = await runSqlCommand([query], env, { write: async (c) => void (out += Buffer.from(c).toString()), stderr: (l) => void (err += l), isTty: false });
  if (code !== 0) throw new Error(err);
  return out;
}

test("events, window results and alerts sent on the bus are answered by fluxgate sql", async () => {
  await role.start();
  const publisher = await bus.publisher();
  await publisher.send(topics.events, tierEvents.map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
  await publisher.send(topics.windows, tierWindows.flat().map((w) => ({ key: `${w.rule_id}:${w.group_key}`, value: JSON.stringify(w) })));
  await publisher.send(topics.alerts, tierAlerts.map((a) => ({ key: a.id, value: JSON.stringify(a) })));
  const sent = Date.now();
  await waitFor(() => sql("SELECT uniqExact(event_id) FROM events"), (n) => n.trim() === String(tierEvents.length), { timeoutMs: 30_000, what: "every event in sql" });
  const seenAfterMs = Date.now() - sent;
  expect(await sql("SELECT id, argMax(values_json, revision), argMax(retracted, revision) FROM window_results GROUP BY id ORDER BY id"))
    .toBe('r1|g|1\t{"n":3}\t0\nr1|g|2\t{}\t1\n');
  expect(await sql("SELECT id, rule_id, severity FROM alerts")).toBe("a1\tr1\tcritical\n");
  // Not a timing assertion on a shared machine: the figure goes to the log for the docs' claim.
  console.log(`fluxgate sql saw every event ${seenAfterMs} ms after they were sent (batch wait ${env.FG_STORE_BATCH_MAX_WAIT_MS} ms)`);
});
