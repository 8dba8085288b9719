/**
 * Structured logs: one JSON object per line on stderr, so log shippers need no parsing rules.
 * Child loggers carry fixed fields (role, sink, rule) instead of string prefixes.
 */
export type Level = "debug" | "info" | "warn" | "error";
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const errorFields = (v: unknown) => (v instanceof Error ? { error: v.message, stack: v.stack } : v);

export function createLogger(level: Level = (process.env.FG_LOG_LEVEL as Level) ?? "info", base: Record<string, unknown> = {}): Logger {
  const min = rank[level] ?? rank.info;
  const write = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (rank[lvl] < min) return;
    const extra = fields ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, k === "err" ? errorFields(v) : v])) : {};
    process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...base, ...extra })}\n`);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}

/**
 * Sends the runtime's process warnings to `logger` as structured lines, in place of the runtime's
 * own listener, which prints them as plain text among the JSON. kafkajs's request queue sets a
 * negative timeout whenever it is not throttled (clamped to 1 ms): that warning is debug.
 * Returns the function that puts the runtime's listener back.
 */
export function logProcessWarnings(logger: Logger): () => void {
  const previous = process.listeners("warning");
  const onWarning = (w: Error) => {
    const fields = { name: w.name, message: w.message };
    if (w.name === "TimeoutNegativeWarning") logger.debug("process warning", fields);
    else logger.warn("process warning", fields);
  };
  process.removeAllListeners("warning");
  process.on("warning", onWarning);
  return () => {
    process.off("warning", onWarning);
    for (const listener of previous) process.on("warning", listener);
  };
}
