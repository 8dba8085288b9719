import { expect, test } from "bun:test";
import type { Envelope } from "../../schemas/envelope.ts";
import { eventColumns, eventLine } from "./rows.ts";

const base: Envelope = { event_id: "e1", app_id: "a", type: "t", ts: 1_700_000_000_123, received_at: 1_700_000_000_200, key: "k", props: {}, source: "http" };
const fields = (line: string) => line.slice(0, -1).split("\t");

test("an event becomes one TabSeparated line, one field per column", () => {
  const line = eventLine({ ...base, props: { path: "/x", amount: 2.5, duration_ms: "two" } });
  const row = Object.fromEntries(eventColumns.map((c, i) => [c, fields(line)[i]]));
  expect(line.endsWith("\n")).toBe(true);
  expect(fields(line).length).toBe(eventColumns.length);
  expect(row).toMatchObject({ event_id: "e1", ts: "1700000000", ts_ms: "1700000000123", user_id: "", p_path: "/x", p_amount: "2.5", p_duration_ms: "\\N", p_url: "\\N" });
  expect(JSON.parse(row.props!)).toEqual({ path: "/x", amount: 2.5, duration_ms: "two" });
});

test("free-text ids and props with tabs, newlines or backslashes are escaped", () => {
  const line = eventLine({ ...base, key: "a\tb", session_id: "s\n1", props: { path: "c:\\d\te" } });
  const f = fields(line);
  expect(f.length).toBe(eventColumns.length);
  expect(f[eventColumns.indexOf("key")]).toBe("a\\tb");
  expect(f[eventColumns.indexOf("session_id")]).toBe("s\\n1");
  expect(f[eventColumns.indexOf("p_path")]).toBe("c:\\\\d\\te");
  expect(f[eventColumns.indexOf("props")]).toBe('{"path":"c:\\\\\\\\d\\\\te"}');
});
