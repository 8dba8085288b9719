/**
 * Backslash-escaped tab-separated text, the format both Postgres COPY (text) and ClickHouse
 * (TabSeparated) parse fastest: only a backslash, tab, newline or carriage return needs an
 * escape, and \N is NULL. The sinks build whole batches of it as strings.
 */
const special = /[\\\t\n\r]/;
const specials = /[\\\t\n\r]/g;
const escapes: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

export const needsEscape = (value: string): boolean => special.test(value);

export function tabText(value: string | undefined | null): string {
  if (value === undefined || value === null) return "\\N";
  return special.test(value) ? value.replace(specials, (c) => escapes[c]!) : value;
}

/** JSON text holds no raw tab or newline, so doubling its backslashes is all the escaping it needs. */
export const tabJson = (json: string): string => (json.includes("\\") ? json.replace(/\\/g, "\\\\") : json);
