/**
 * `fluxgate processor` as a child process for the hot-reload tests: its JSON log lines are kept
 * with the wall-clock time they were read, so a test can tell when an instance announced a rule
 * set, and its warnings and errors are echoed so a failing run shows why.
 */
import type { Subprocess } from "bun";

export interface LogLine {
  msg: string;
  /** When the test read the line (Date.now()). */
  seenAt: number;
  /** The logger's own timestamp (ms since epoch). */
  t: number;
  fields: Record<string, unknown>;
}

export interface ProcessorChild {
  name: string;
  process: Subprocess<"ignore", "ignore", "pipe">;
  logs: LogLine[];
  /** The rule-set versions this instance announced ("running rule set"), in order. */
  ruleSets(): LogLine[];
  /** The fg.events partitions this instance holds now (its stage 1's last assignment). */
  eventPartitions(): string[];
}

const REPO = new URL("../../..", import.meta.url).pathname;

export function spawnProcessor(name: string, env: Record<string, string | undefined>): ProcessorChild {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, FG_LOG_LEVEL: "info", ...env })) if (v !== undefined) childEnv[k] = v;
  const child = Bun.spawn(["bun", "infra/app/main.ts", "processor"], { cwd: REPO, env: childEnv, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const logs: LogLine[] = [];
  void (async () => {
    let rest = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        const seenAt = Date.now();
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          console.error(`[${name}] ${line}`);
          continue;
        }
        const { msg, t, ...fields } = parsed;
        logs.push({ msg: String(msg), seenAt, t: Date.parse(String(t)), fields });
        // kafkajs' own warnings (rebalances, retries) are routine noise here.
        if ((fields.level === "warn" || fields.level === "error") && fields.logger !== "kafkajs") console.error(`[${name}] ${line}`);
      }
    }
  })();
  return {
    name,
    process: child,
    logs,
    ruleSets: () => logs.filter((l) => l.msg === "running rule set"),
    eventPartitions: () => {
      const last = logs.filter((l) => l.msg === "partitions assigned" && l.fields.stage === undefined).at(-1);
      return (last?.fields.partitions as string[] | undefined) ?? [];
    },
  };
}

/** SIGTERM, then SIGKILL if the child has not left within `graceMs`; returns the exit code. */
export async function stopProcessor(child: ProcessorChild, graceMs = 10_000): Promise<number | null> {
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  const code = await child.process.exited;
  clearTimeout(timer);
  return code;
}
