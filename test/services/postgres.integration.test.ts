/** The local stack's Postgres accepts the product's client (postgres.js), COPY included. */
import { afterAll, expect, test } from "bun:test";
import postgres from "postgres";
import { requireEnv, uniqueName } from "../support/services.ts";

const sql = postgres(requireEnv("FG_POSTGRES_URL"), { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

test("creates a table, copies rows in and reads them back", async () => {
  const table = uniqueName("svc");
  await sql`create table ${sql(table)} (id int primary key, name text not null)`;
  try {
    const copy = await sql`copy ${sql(table)} (id, name) from stdin`.writable();
    await new Promise<void>((resolve, reject) => {
      copy.on("finish", resolve).on("error", reject);
      copy.end("1\tone\n2\ttwo\n");
    });
    const rows = await sql<{ id: number; name: string }[]>`select id, name from ${sql(table)} order by id`;
    expect(rows.map((r) => [r.id, r.name])).toEqual([[1, "one"], [2, "two"]]);
    const [row] = await sql<{ version: string }[]>`select version()`;
    expect(row?.version).toContain("PostgreSQL");
  } finally {
    await sql`drop table ${sql(table)}`;
  }
});
