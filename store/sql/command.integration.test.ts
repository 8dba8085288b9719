/**
 * `fluxgate sql` with FG_CLICKHOUSE_URL set: the same command answers from the ClickHouse server
 * (18.16 in the local stack), read-only, with the server's messages; and the embedded engine's
 * tables have exactly the server tier's columns and types.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../infra/app/config/load.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { createClickHouseTier } from "../clickhouse/tier.ts";
import { tierAlerts, tierEvents } from "../clickhouse/tier-sql.test-support.ts";
import { createArchiveSink, createResultsArchiveSink } from "../s3/index.ts";
import { freshBucketName } from "../../test/support/store/test-stores.ts";
import { runSqlCommand } from "./command.ts";

setDefaultTimeout(60_000); // the embedded engine takes ~0.3 s per command, seconds on a loaded machine

const database = uniqueName("fg_sql");
const tier = createClickHouseTier({ url: requireEnv("FG_CLICKHOUSE_URL"), database });
const serverEnv = loadConfig({ FG_CLICKHOUSE_URL: requireEnv("FG_CLICKHOUSE_URL"), FG_CLICKHOUSE_DATABASE: database });
const dataDir = mkdtempSync(join(tmpdir(), "fg-sql-int-"));
const embeddedEnv = loadConfig({ FG_DATA_DIR: dataDir, FG_CLICKHOUSE_DATABASE: database });

beforeAll(async () => {
  await tier.prepare();
  await tier.events.write(tierEvents);
});
afterAll(async () => {
  await tier.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await tier.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sql(env: typeof serverEnv, ...argv: string[]) {
  const out: Uint8Array[] = [];
  let err = "";
  const code = await runSqlCommand(argv, env, { write: async (c) => void out.push(c), stderr: (l) => void (err += `${l}\n`), isTty: false });
  return { code, out: Buffer.concat(out).toString(), err };
}

test("the README's query answers from the server, in the formats asked for", async () => {
  const q = "SELECT type, count() AS n FROM events WHERE app_id = 'other' GROUP BY type ORDER BY type";
  expect(await sql(serverEnv, q)).toEqual({ code: 0, out: "cart.add\t4\npage.view\t6\n", err: "" });
  expect((await sql(serverEnv, "--format", "CSV", `SELECT type, count() AS n FROM ${database}.events WHERE app_id = 'other' GROUP BY type ORDER BY type`)).out)
    .toBe('"cart.add",4\n"page.view",6\n');
  expect((await sql(serverEnv, "--format", "JSONEachRow", "SELECT uniqExact(event_id) AS n FROM events")).out).toBe(`{"n":"${tierEvents.length}"}\n`);
  expect((await sql(serverEnv, "--format", "PrettyCompact", q)).out).toContain("cart.add");
});

test("on the server, writes are refused (readonly=1) and a bad query prints the server's message and exits 1", async () => {
  for (const query of ["INSERT INTO events (event_id) VALUES ('x')", "DROP TABLE events", "CREATE TABLE t (a UInt8) ENGINE = Memory", "ALTER TABLE events DELETE WHERE 1"]) {
    const r = await sql(serverEnv, query);
    expect({ query, code: r.code }).toEqual({ query, code: 1 });
    expect(r.err).toMatch(/Code: 164.*readonly/);
  }
  const bad = await sql(serverEnv, "SELECT nope FROM events");
  expect(bad.code).toBe(1);
  expect(bad.err).toMatch(/^Code: 47.*nope/);
  const [count] = await tier.client.query({ query: `SELECT count() AS n FROM ${database}.events`, format: "JSONEachRow" }).then((r) => r.json<{ n: string }>());
  expect(Number(count!.n)).toBe(tierEvents.length);
});

test("the embedded tables have the server tier's names, columns and types", async () => {
  for (const table of ["events", "events_per_minute", "window_results", "alerts"]) {
    const server = await sql(serverEnv, `SELECT name, type FROM system.columns WHERE database = '${database}' AND table = '${table}' ORDER BY name`);
    const embedded = await sql(embeddedEnv, `SELECT name, type FROM system.columns WHERE database = '${database}' AND table = '${table}' ORDER BY name`);
    expect(server.out.split("\n").length).toBeGreaterThan(4); // a header-less TSV of 4+ columns
    expect(embedded).toEqual(server);
  }
});

test("without ClickHouse but with S3, the same command reads the archive in the bucket", async () => {
  const env = loadConfig({
    FG_S3_ENDPOINT: requireEnv("FG_S3_ENDPOINT"), FG_S3_ACCESS_KEY: requireEnv("FG_S3_ACCESS_KEY"), FG_S3_SECRET_KEY: requireEnv("FG_S3_SECRET_KEY"),
    FG_S3_BUCKET: freshBucketName(), FG_LOG_LEVEL: "error",
  });
  const archive = createArchiveSink(env);
  await archive.prepare();
  await archive.write(tierEvents);
  await archive.close();
  await createResultsArchiveSink(env).writeAlerts(tierAlerts);
  expect(await sql(env, "SELECT type, count() AS n FROM events WHERE app_id = 'other' GROUP BY type ORDER BY type")).toEqual({ code: 0, out: "cart.add\t4\npage.view\t6\n", err: "" });
  expect((await sql(env, "SELECT id, severity FROM alerts")).out).toBe("a1\tcritical\n");
});
