import { expect, test } from "bun:test";
import { logProcessWarnings, type Logger } from "./logger.ts";

test("process warnings become log lines instead of plain text: kafkajs's negative timeouts at debug, the rest at warn", async () => {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  const capture = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push([level, msg, fields]);
  const logger: Logger = { debug: capture("debug"), info: capture("info"), warn: capture("warn"), error: capture("error"), child: () => logger };
  const listeners = process.listeners("warning");
  const stop = logProcessWarnings(logger);
  try {
    expect(process.listeners("warning")).toHaveLength(1); // the runtime's plain-text printer is out
    // What Bun emits (once per process) for kafkajs's negative delays.
    process.emitWarning("-5 is a negative number.", "TimeoutNegativeWarning");
    process.emitWarning("disk nearly full", "CapacityWarning");
    await Bun.sleep(10);
  } finally {
    stop();
  }
  expect(lines).toContainEqual(["debug", "process warning", expect.objectContaining({ name: "TimeoutNegativeWarning" })]);
  expect(lines).toContainEqual(["warn", "process warning", { name: "CapacityWarning", message: "disk nearly full" }]);
  expect(process.listeners("warning")).toEqual(listeners);
});
