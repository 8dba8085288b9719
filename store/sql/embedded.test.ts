/**
 * `fluxgate sql` on embedded defaults: chdb over an archive the store's own writers made (events
 * by the archive sink and shop's a second time in files of their own, window results and alerts by
 * the results archive, every batch twice), in
 * every output format, with writes refused and ClickHouse's messages for bad queries.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../infra/app/config/load.ts";
import { checkDocsQuery, docsQueries, oddTypedQuery, oddTypedValues, tierAlerts, tierEvents, tierWindows } from "../clickhouse/tier-sql.test-support.ts";
import { encodeEnvelopes } from "../parquet/encode.ts";
import { createArchiveSink, createArchiveStore, createResultsArchiveSink } from "../s3/index.ts";
import { canonical } from "../s3/canonical.ts";
import { partitionOf, partitionPrefix } from "../s3/partition.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { CHDB_MISSING, loadChdb } from "./embedded.ts";
import { runSqlCommand } from "./command.ts";

// Each command opens its own engine (~0.3 s, seconds on a loaded machine), as a real run does.
setDefaultTimeout(60_000);

const dataDir = mkdtempSync(join(tmpdir(), "fg-sql-"));
const env = loadConfig({ FG_DATA_DIR: dataDir, FG_LOG_LEVEL: "error" });

beforeAll(async () => {
  const archive = createArchiveSink(env);
  const results = createResultsArchiveSink(env);
  await archive.prepare();
  await archive.write(tierEvents);
  await archive.rollAll();
  // shop's events twice, in other files of their partitions, as an archive written before rolls
  // left out what earlier files hold (or one whose spool a query lists during a roll) has them:
  // the docs' queries count each event once all the same.
  const store = createArchiveStore(env);
  const shop = tierEvents.filter((e) => e.app_id === "shop");
  for (const [i, half] of [shop.slice(0, 25), shop.slice(25)].entries()) {
    const byPartition = Map.groupBy(half, (e) => partitionPrefix(partitionOf(e.app_id, e.ts)));
    for (const [prefix, rows] of byPartition) await store.put(`${prefix}part-copy-${i}.parquet`, encodeEnvelopes(canonical(rows)));
  }
  for (let i = 0; i < 2; i++) {
    for (const batch of tierWindows) await results.writeWindows(batch);
    await results.writeAlerts(tierAlerts);
  }
  await archive.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the command as the entry point would; returns its exit code, stdout and stderr. */
async function sql(...argv: string[]) {
  const out: Uint8Array[] = [];
  let err = "";
  const code = await runSqlCommand(argv, env, { write: async (c) => void out.push(c), stderr: (l) => void (err += `${l}\n`), isTty: false });
  return { code, out: Buffer.concat(out).toString(), chunks: out.length, err };
}
const json = async (query: string) => {
  const r = await sql("--format", "JSONEachRow", query);
  expect(r.err).toBe("");
  return r.out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
};

test("events, window_results and alerts answer from the archive; the docs' queries give the tier's answers", async () => {
  expect(await json("SELECT type, count() AS n FROM events WHERE app_id = 'shop' GROUP BY type ORDER BY type"))
    .toEqual([{ type: "checkout_completed", n: 20 }, { type: "page_view", n: 60 }]); // every batch was written twice
  for (const query of docsQueries().filter((q) => !q.startsWith("ENGINE"))) checkDocsQuery(query, await json(query));
  expect(await json("SELECT id, count() AS n FROM (SELECT id FROM fluxgate.alerts GROUP BY id) GROUP BY id")).toEqual([{ id: "a1", n: 1 }]);
});

test("the archive's envelope maps to the tier's columns: times, '' for a missing id, typed fields by JSON type", async () => {
  const e = tierEvents.find((x) => x.props.amount !== undefined && x.user_id === undefined)!;
  const [row] = await json(`SELECT toUInt32(ts) AS s, ts_ms, received_at_ms, user_id, p_amount, p_currency, p_path FROM events WHERE event_id = '${e.event_id}' LIMIT 1`);
  expect(row).toEqual({ s: Math.floor(e.ts / 1000), ts_ms: e.ts, received_at_ms: e.received_at, user_id: "", p_amount: e.props.amount, p_currency: "EUR", p_path: null });
  expect(await json(oddTypedQuery)).toEqual(oddTypedValues);
  const [views] = await json("SELECT countIf(create_table_query LIKE '%defaultValueOfTypeName%') AS unmapped, count() AS n FROM system.tables WHERE database = 'fluxgate'");
  expect(views).toEqual({ unmapped: 0, n: 4 }); // every tier column has a source in the archive
});

test("events still in the archive's spool (written, not yet rolled into events/) are answered too", async () => {
  const spooled = sampleEvents(3, { app: "spooled" });
  await createArchiveStore(env).put("spool/events/app_id=spooled/dt=2024-03-10/hour=22/1700000000000-part-x.parquet", encodeEnvelopes(spooled));
  expect(await json("SELECT app_id, uniqExact(event_id) AS n FROM events WHERE app_id = 'spooled' GROUP BY app_id")).toEqual([{ app_id: "spooled", n: 3 }]);
});

test("formats: TSV by default off a terminal, CSV, PrettyCompact, JSONEachRow, and Parquet into a file", async () => {
  const q = "SELECT type, count() AS n FROM events WHERE app_id = 'other' GROUP BY type ORDER BY type";
  expect((await sql(q)).out).toBe("cart.add\t4\npage.view\t6\n");
  expect((await sql("--format", "CSV", q)).out).toBe('"cart.add",4\n"page.view",6\n');
  expect((await sql("--format", "PrettyCompact", q)).out).toMatch(/┌─type──────┬─n─┐\n1\. │ cart\.add  │ 4 │/);
  const file = join(dataDir, "out.parquet");
  expect((await sql("--format", "Parquet", "--output", file, "SELECT * FROM events")).code).toBe(0);
  expect(readFileSync(file).subarray(0, 4).toString()).toBe("PAR1");
  expect(await json(`SELECT count() AS n FROM system.one`)).toEqual([{ n: 1 }]);
  expect((await sql("--format", "Parquet", q)).code).toBe(2); // binary output needs a file
});

test("rows stream in blocks as the engine makes them (Pretty formats as one table); SHOW and DESCRIBE answer too", async () => {
  const r = await sql("SELECT number FROM system.numbers LIMIT 300000");
  expect(r.code).toBe(0);
  expect(r.chunks).toBeGreaterThan(1);
  expect(r.out.split("\n").length).toBe(300_001);
  expect((await sql("SHOW TABLES")).out).toBe("alerts\nevents\nevents_per_minute\nwindow_results\n");
  // On a terminal's format, one table, not one per block.
  const pretty = await sql("--format", "PrettyCompact", "SELECT number FROM system.numbers LIMIT 300000");
  expect(pretty.out.match(/┌─number─/g)?.length).toBe(1);
  expect(pretty.out).toContain("Showed 1000 out of 300000 rows.");
  expect((await sql("DESCRIBE TABLE window_results")).out).toMatch(/^id\tString/);
});

test("a bad query prints ClickHouse's message and exits 1", async () => {
  const r = await sql("SELECT nope FROM events");
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^Code: 47\. DB::Exception: .*nope/);
  expect(r.out).toBe("");
});

test("writes, DDL, table functions, settings and INTO OUTFILE are refused", async () => {
  const before = (await json("SELECT count() AS n FROM events"))[0]!.n;
  for (const query of [
    "INSERT INTO events (event_id) VALUES ('x')", "ALTER TABLE events DELETE WHERE 1", "DROP TABLE events", "CREATE TABLE t (a UInt8) ENGINE = Memory",
    "INSERT INTO FUNCTION file('x.csv') SELECT 1", "SELECT * FROM file('/etc/passwd', 'LineAsString')", "SELECT 1 SETTINGS readonly = 0",
    `SELECT 1 INTO OUTFILE '${join(dataDir, "x.csv")}'`, "SELECT 1; DROP TABLE events",
  ]) {
    const r = await sql(query);
    expect({ query, code: r.code, out: r.out }).toEqual({ query, code: 1, out: "" });
    expect(r.err).toMatch(/Code: (164|62)\./);
  }
  expect((await json("SELECT count() AS n FROM events"))[0]!.n).toBe(before);
});

test("without the optional chdb package, the message says how to get it or use a server", async () => {
  await expect(loadChdb(() => Promise.reject(new Error("Cannot find package 'chdb'")))).rejects.toThrow(CHDB_MISSING);
});
