/** The tier's DDL, writes, rollup, retention and docs/store.md's queries on the ClickHouse server (18.16 in the local stack). */
import { createClient } from "@clickhouse/client";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { describeTierSql } from "./tier-sql.test-support.ts";

describeTierSql(() => createClient({ url: requireEnv("FG_CLICKHOUSE_URL"), clickhouse_settings: {} }), uniqueName("fg_chsql"), /^18\.16\./);
