/**
 * The SQL that gives chdb the ClickHouse tier's tables over the embedded archive's Parquet:
 * a File (or S3) table per kind of file, with the files' own columns, and over it a view named
 * and typed exactly as the tier's table. The tier's columns are not restated here: the caller
 * creates the tier's tables from store/clickhouse/migrations.ts in a scratch database and hands
 * their columns in, so a migration that adds or retypes a column changes these views too.
 *
 * events come from the archive's envelope columns (store/parquet/schema.ts): ts in ms becomes
 * ts (DateTime) and ts_ms, a missing user_id is '' as in the tier, and each declared field's
 * p_<name> is read from props with the tier's rule: its value if it has the declared JSON type,
 * else NULL. window_results and alerts hold the tier's rows as written (store/s3/results-archive.ts),
 * strings as strings and every number as INT64, so they are only cast.
 */
import { archiveColumns } from "../parquet/schema.ts";
import { columnOf, declaredFields, type DeclaredType } from "../clickhouse/declared-fields.ts";
import { ALERTS_ROOT, ARCHIVE_ROOT, WINDOW_RESULTS_ROOT } from "../s3/partition.ts";

export const TIER_TABLES = ["events", "window_results", "alerts"] as const;
export type TierTable = (typeof TIER_TABLES)[number];

export interface TierColumn {
  table: string;
  name: string;
  type: string;
}

/** The ENGINE clause of a table over the Parquet files under an archive prefix (`events/`): every one, or those `pattern` matches below it. */
export type ArchiveSource = (prefix: string, pattern?: string) => string;

export const sqlString = (s: string): string => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

const glob = "**/*.parquet";

export const fileSource = (dir: string): ArchiveSource => (prefix, pattern = glob) => `File(Parquet, ${sqlString(`${dir.replace(/\/$/, "")}/${prefix}${pattern}`)})`;

export interface S3SourceOptions {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

export const s3Source = (o: S3SourceOptions): ArchiveSource => (prefix, pattern = glob) =>
  `S3(${sqlString(`${o.endpoint.replace(/\/$/, "")}/${o.bucket}/${prefix}${pattern}`)}, ${sqlString(o.accessKey)}, ${sqlString(o.secretKey)}, 'Parquet')`;

/**
 * Where each table's files are. Events are also read from the archive's spool (`spool/events/…`,
 * the small files of recent writes before they are rolled into `events/`), so a query sees an
 * event once its write is durable, not only once its partition is rolled.
 */
const roots: Record<TierTable, string[]> = {
  events: [ARCHIVE_ROOT, `spool/${ARCHIVE_ROOT}`],
  window_results: [WINDOW_RESULTS_ROOT],
  alerts: [ALERTS_ROOT],
};

/** The files' table, aliased: a bare `ts` in the view would mean its own DateTime alias, not the file's column. */
const F = "f";
const json = (field: string) => `${F}.props, ${sqlString(field)}`;
/**
 * Numbers and booleans parse props once: the raw JSON text of a value is a number only for a JSON
 * number (a string keeps its quotes, so toFloat64OrNull refuses it), and `true`/`false` only for
 * a boolean. Measured on 1M events, one parse instead of JSONType and an extraction saved ~25%
 * of the p95 query (bench/sql.ts). Strings need the unescaped value, so they are typed first.
 */
const propOf: Record<DeclaredType, (field: string) => string> = {
  string: (f) => `if(JSONType(${json(f)}) = 'String', JSONExtractString(${json(f)}), NULL)`,
  number: (f) => `toFloat64OrNull(JSONExtractRaw(${json(f)}))`,
  boolean: (f) => `multiIf(JSONExtractRaw(${json(f)}) = 'true', 1, JSONExtractRaw(${json(f)}) = 'false', 0, NULL)`,
};

/**
 * The same rule with props parsed once per row into its top-level values' raw JSON (the engine
 * computes the identical map expression once for all the columns), for reads of every column (the
 * events copy's fill, copy.ts): on 1M events ~0.6 s of CPU for all the typed fields against ~1.6 s
 * parsing once per field; a query of one field is the other way round (0.19 s against 0.40 s).
 * A string's raw text starts with its quote.
 */
const rawProp = (f: string) => `CAST(JSONExtractKeysAndValuesRaw(${F}.props) AS Map(String, String))[${sqlString(f)}]`;
const propOfParsedOnce: Record<DeclaredType, (field: string) => string> = {
  string: (f) => `if(startsWith(${rawProp(f)}, '"'), JSONExtractString(${rawProp(f)}), NULL)`,
  number: (f) => `toFloat64OrNull(${rawProp(f)})`,
  boolean: (f) => `multiIf(${rawProp(f)} = 'true', 1, ${rawProp(f)} = 'false', 0, NULL)`,
};

/** Each events column of the tier, as an expression over the archive's columns. */
const eventExpressions = (props: Record<DeclaredType, (field: string) => string>): Record<string, string> => ({
  ...Object.fromEntries(["event_id", "app_id", "type", "key", "source", "props"].map((c) => [c, `${F}.${c}`])),
  ts: `toDateTime(intDiv(${F}.ts, 1000))`, ts_ms: `${F}.ts`, received_at_ms: `${F}.received_at`,
  first_seen: `bitNot(toUInt64(${F}.received_at))`,
  user_id: `ifNull(${F}.user_id, '')`, session_id: `ifNull(${F}.session_id, '')`,
  ...Object.fromEntries(declaredFields.map((f) => [columnOf(f), props[f.type](f.name)])),
});
const eventsPerField = eventExpressions(propOf);
const eventsParsedOnce = eventExpressions(propOfParsedOnce);

/** The files' columns: the archive's envelope for events; the tier's own names for the others, strings or Int64. */
function fileColumns(table: TierTable, tier: readonly TierColumn[]): string {
  if (table === "events") {
    const type = (c: (typeof archiveColumns)[number]) => (c.type === "STRING" ? "String" : "Int64");
    return archiveColumns.map((c) => `${c.name} ${c.nullable ? `Nullable(${type(c)})` : type(c)}`).join(", ");
  }
  return tier.map((c) => `${c.name} ${c.type === "String" ? "String" : "Int64"}`).join(", ");
}

function expressionOf(table: TierTable, column: string, parsedOnce = false): string | undefined {
  return table === "events" ? (parsedOnce ? eventsParsedOnce : eventsPerField)[column] : `${F}.${column}`;
}

/** Tier columns the archive has no value for (a migration added one this module does not map yet). */
export function unmappedColumns(tier: readonly TierColumn[]): TierColumn[] {
  return tier.filter((c) => (TIER_TABLES as readonly string[]).includes(c.table) && !expressionOf(c.table as TierTable, c.name));
}

/** The tier's columns of `table` as expressions over its files' table (aliased F), cast to the tier's types. */
function tierSelect(table: TierTable, columns: readonly TierColumn[], parsedOnce = false): string {
  return columns.map((c) => {
    const expr = expressionOf(table, c.name, parsedOnce) ?? `defaultValueOfTypeName(${sqlString(c.type)})`;
    return `CAST(${expr} AS ${c.type}) AS ${c.name}`;
  }).join(", ");
}

/** The events copy (copy.ts): a MergeTree table of the tier's events columns plus the file each row came from. */
export interface EventsCopy {
  /** `<db>.<table>` of the copy. */
  table: string;
  /** The files' table the copy is filled from (fixed depth, so that `_path` is the path as listed). */
  filesTable: string;
}

/**
 * The copy's table and how it is filled: the tier's events columns and types, sorted and
 * partitioned as the tier's events are, and `_path`, the archive file a row came from (so the rows of
 * a file that compaction or retention removed can be deleted). `fill(paths)` inserts the rows of those files.
 */
export function eventsCopyStatements(source: ArchiveSource, tier: readonly TierColumn[], copy: EventsCopy) {
  const columns = tier.filter((c) => c.table === "events");
  return {
    create: [
      `CREATE TABLE ${copy.filesTable} (${fileColumns("events", columns)}) ENGINE = ${source(`${ARCHIVE_ROOT}*/*/*/`, "*.parquet")}`,
      `CREATE TABLE IF NOT EXISTS ${copy.table} (${columns.map((c) => `${c.name} ${c.type}`).join(", ")}, _path String)
       ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (app_id, toStartOfHour(ts, 'UTC'), event_id)`,
    ],
    fill: (paths: readonly string[]) =>
      `INSERT INTO ${copy.table} SELECT ${tierSelect("events", columns, true)}, ${F}._path AS _path FROM ${copy.filesTable} AS ${F} WHERE ${F}._path IN (${paths.map(sqlString).join(", ")})`,
  };
}

/**
 * CREATE statements: `<filesDb>.<table>_<n>` over the files of each root, `<database>.<table>` the tier-shaped
 * view. A column the archive cannot fill gets its type's default, and unmappedColumns() names it.
 * With `copy`, events under `events/` come from the copy and only the spool is read as Parquet.
 */
export function archiveTableStatements(source: ArchiveSource, tier: readonly TierColumn[], database: string, filesDb: string, copy?: EventsCopy): string[] {
  return TIER_TABLES.flatMap((table) => {
    const columns = tier.filter((c) => c.table === table);
    if (columns.length === 0) throw new Error(`the ClickHouse tier's migrations define no ${table} table`);
    const select = tierSelect(table, columns);
    const files = roots[table].filter((root) => !(copy && table === "events" && root === ARCHIVE_ROOT)).map((root, i) => ({ name: `${filesDb}.${table}_${i}`, root }));
    const from = files.length === 1 ? files[0]!.name : `(${files.map((f) => `SELECT * FROM ${f.name}`).join(" UNION ALL ")})`;
    const view = copy && table === "events"
      ? `SELECT ${columns.map((c) => c.name).join(", ")} FROM ${copy.table} UNION ALL SELECT ${select} FROM ${from} AS ${F}`
      : `SELECT ${select} FROM ${from} AS ${F}`;
    return [
      ...files.map((f) => `CREATE TABLE ${f.name} (${fileColumns(table, columns)}) ENGINE = ${source(f.root)}`),
      `CREATE VIEW ${database}.${table} AS ${view}`,
    ];
  });
}
