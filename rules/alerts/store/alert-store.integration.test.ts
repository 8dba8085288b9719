import { afterAll } from "bun:test";
import postgres from "postgres";
import { requireEnv, uniqueName } from "../../../test/support/services.ts";
import { alertStoreContract } from "./alert-store.contract.ts";
import { createAlertStore } from "./alert-store.ts";

const sql = postgres(requireEnv("FG_POSTGRES_URL"), { max: 2, onnotice: () => {} });
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await sql`drop schema if exists ${sql(s)} cascade`;
  await sql.end();
});

alertStoreContract("postgres", async () => {
  const schema = uniqueName("fg_alerts");
  schemas.push(schema);
  const store = createAlertStore(sql, schema);
  await store.init();
  return store;
});
