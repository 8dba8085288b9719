import { expect, test } from "bun:test";
import { parseSqlArgs } from "./args.ts";

test("the default format is PrettyCompact on a terminal and TSV otherwise, or to a file", () => {
  expect(parseSqlArgs(["SELECT 1"], true)).toEqual({ ok: true, args: { query: "SELECT 1", format: "PrettyCompact" } });
  expect(parseSqlArgs(["SELECT 1"], false)).toEqual({ ok: true, args: { query: "SELECT 1", format: "TSV" } });
  expect(parseSqlArgs(["-o", "x.tsv", "SELECT 1"], true)).toEqual({ ok: true, args: { query: "SELECT 1", format: "TSV", output: "x.tsv" } });
});

test("formats by clickhouse-client's names, in any case; Parquet only into a file", () => {
  expect(parseSqlArgs(["--format", "jsoneachrow", "SELECT 1"], true)).toMatchObject({ ok: true, args: { format: "JSONEachRow" } });
  expect(parseSqlArgs(["--format", "Parquet", "--output", "a.parquet", "SELECT 1"], false)).toMatchObject({ ok: true, args: { format: "Parquet", output: "a.parquet" } });
  expect(parseSqlArgs(["--format", "Parquet", "SELECT 1"], false)).toEqual({ ok: false, error: "--format Parquet writes a file: add --output <file>" });
  expect(parseSqlArgs(["--format", "XML", "SELECT 1"], false)).toEqual({ ok: false, error: "--format: unknown format XML" });
});

test("exactly one query", () => {
  expect(parseSqlArgs([], false)).toEqual({ ok: false, error: "give exactly one query, quoted" });
  expect(parseSqlArgs(["SELECT", "1"], false)).toEqual({ ok: false, error: "give exactly one query, quoted" });
  expect(parseSqlArgs(["--nope", "SELECT 1"], false).ok).toBe(false);
  expect(parseSqlArgs(["--help"], false)).toEqual({ ok: "help" });
});
