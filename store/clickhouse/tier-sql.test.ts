/**
 * The tier's DDL, writes, rollup, retention and docs/store.md's queries on current ClickHouse
 * (26.x), in process through chdb with the tables in a session directory (MergeTree family).
 */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { describeTierSql } from "./tier-sql.test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "fg-chdb-tier-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// chdb builds on @clickhouse/client-common's Connection type, which the client re-declares: the same shape under another name.
type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;
describeTierSql(() => createClient({ connection: createChdbConnection({ path: dir }) as unknown as Connection, clickhouse_settings: {} }), "fg_chsql", /^26\./);
