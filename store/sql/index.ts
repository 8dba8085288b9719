/** SQL over the store's tables: the `fluxgate sql` command (docs/store.md, "SQL"). */
export { openSqlEngine, runSqlCommand, type SqlIo } from "./command.ts";
export type { SqlEngine } from "./engine.ts";
