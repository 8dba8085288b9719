/**
 * The local stack's ClickHouse (Debian's 18.16) works with @clickhouse/client. 18.16 predates
 * the client's default insert format, so inserts name JSONEachRow explicitly.
 */
import { afterAll, expect, test } from "bun:test";
import { createClient } from "@clickhouse/client";
import { requireEnv, uniqueName } from "../support/services.ts";

const client = createClient({ url: requireEnv("FG_CLICKHOUSE_URL") });
afterAll(() => client.close());

test("create, insert JSONEachRow, select", async () => {
  const table = uniqueName("svc");
  await client.command({ query: `CREATE TABLE ${table} (id UInt32, name String) ENGINE = MergeTree ORDER BY id` });
  try {
    await client.insert({ table, format: "JSONEachRow", values: [{ id: 2, name: "two" }, { id: 1, name: "one" }] });
    const rows = await (await client.query({ query: `SELECT id, name FROM ${table} ORDER BY id`, format: "JSONEachRow" })).json();
    expect(rows).toEqual([{ id: 1, name: "one" }, { id: 2, name: "two" }]);
    const version = await (await client.query({ query: "SELECT version() AS v", format: "JSONEachRow" })).json<{ v: string }>();
    expect(version[0]?.v).toMatch(/^\d+\.\d+/);
  } finally {
    await client.command({ query: `DROP TABLE ${table}` });
  }
});
