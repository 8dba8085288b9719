/**
 * Faults inside the soak, on services of its own (never the shared stack): the local stack's
 * scripts on free ports and a data folder of the run, so a Kafka SIGKILL or a stopped Postgres
 * touches no one else. Each fault starts at a seeded point and is recorded with its window, so the
 * ledger can say what was acknowledged, lost or duplicated around it and how long recovery took.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../test/support/free-port.ts";
import { mulberry32 } from "../harness/random.ts";
import type { DelayProxy } from "./proxy.ts";

export interface PrivateStack {
  env: Record<string, string>;
  data: string;
  stop(service: string): Promise<void>;
  start(service: string): Promise<void>;
  /** SIGKILL of the service's process (pid file of infra/local/stack). */
  kill(service: string): void;
  destroy(): Promise<void>;
}

const root = new URL("../..", import.meta.url).pathname;

export async function privateStack(data: string, say: (m: string) => void, port: () => number = freePort): Promise<PrivateStack> {
  const ports = {
    FG_KAFKA_PORT: port(), FG_KAFKA_CONTROLLER_PORT: port(), FG_REDIS_PORT: port(), FG_PG_PORT: port(),
    FG_CH_HTTP_PORT: port(), FG_CH_TCP_PORT: port(), FG_S3_PORT: port(), FG_S3_CONSOLE_PORT: port(),
  };
  const stackEnv = { ...process.env, FG_DATA: data, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) } as Record<string, string>;
  const stack = async (...argv: string[]) => {
    const proc = Bun.spawn(["bash", "infra/local/stack", ...argv], { cwd: root, env: stackEnv, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`infra/local/stack ${argv.join(" ")} failed (${code}):\n${err.slice(-2000)}`);
    return out;
  };
  say(`starting private services in ${data}`);
  await stack("start");
  const env = Object.fromEntries((await stack("env")).split("\n").filter(Boolean).map((l) => l.replace(/^export /, "").split(/=(.*)/s).slice(0, 2) as [string, string]));
  return {
    env, data,
    stop: async (service) => void (await stack("stop", service)),
    start: async (service) => void (await stack("start", service)),
    kill(service) {
      const pid = Number(readFileSync(join(data, "run", `${service}.pid`), "utf8"));
      process.kill(pid, "SIGKILL");
    },
    async destroy() {
      await stack("stop").catch(() => {});
    },
  };
}

export interface FaultRecord {
  name: string;
  start_ms: number;
  end_ms: number;
  note?: string;
}

interface RoleHandle {
  managed?: { proc: { kill(signal?: number | NodeJS.Signals): void; exited: Promise<number> } };
  restart(): Promise<void>;
}

interface Context {
  stack: PrivateStack;
  roleOf(name: string): RoleHandle;
  chProxy: DelayProxy;
  t0: number;
  say(m: string): void;
  record(f: FaultRecord): void;
}

interface Fault {
  name: string;
  /** How long the fault lasts (full run; a quick run scales it down). */
  holdMs: number;
  inject(c: Context, holdMs: number): Promise<string | void>;
}

const restartRole = async (c: Context, name: string, signal: NodeJS.Signals) => {
  const role = c.roleOf(name);
  role.managed?.proc.kill(signal);
  await role.managed?.proc.exited;
  await role.restart();
};

const FAULTS: Fault[] = [
  { name: "Kafka broker SIGKILL and restart", holdMs: 5_000, async inject(c, hold) { c.stack.kill("kafka"); await Bun.sleep(hold); await c.stack.start("kafka"); } },
  { name: "Redis stopped", holdMs: 30_000, async inject(c, hold) { await c.stack.stop("redis"); await Bun.sleep(hold); await c.stack.start("redis"); } },
  { name: "Postgres stopped", holdMs: 30_000, async inject(c, hold) { await c.stack.stop("postgres"); await Bun.sleep(hold); await c.stack.start("postgres"); } },
  { name: "ClickHouse stopped", holdMs: 60_000, async inject(c, hold) { await c.stack.stop("clickhouse"); await Bun.sleep(hold); await c.stack.start("clickhouse"); } },
  { name: "MinIO stopped", holdMs: 60_000, async inject(c, hold) { await c.stack.stop("s3"); await Bun.sleep(hold); await c.stack.start("s3"); } },
  { name: "processor SIGKILL", holdMs: 0, inject: (c) => restartRole(c, "processor", "SIGKILL") },
  { name: "store SIGKILL", holdMs: 0, inject: (c) => restartRole(c, "store", "SIGKILL") },
  { name: "gateway SIGTERM (clients reconnect)", holdMs: 0, inject: (c) => restartRole(c, "gateway", "SIGTERM") },
  { name: "network to ClickHouse slowed (200 ms each way)", holdMs: 60_000, async inject(c, hold) { c.chProxy.setDelay(200); await Bun.sleep(hold); c.chProxy.setDelay(0); } },
];

/**
 * The faults one after another, in a seeded order, spread over the middle of the run (the first
 * and last tenth stay clean for warm-up and drain). A quick run holds each a fifth as long.
 */
export function faultSchedule(o: { seed: number; durationMs: number; quick: boolean }) {
  const rnd = mulberry32(o.seed);
  const order = FAULTS.map((f) => [rnd(), f] as const).sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  const scale = o.quick ? 0.2 : 1;
  const window = o.durationMs * 0.8;
  const slot = window / order.length;
  return {
    async run(c: Context) {
      for (const [i, fault] of order.entries()) {
        const at = o.durationMs * 0.1 + i * slot + rnd() * slot * 0.2;
        const wait = c.t0 + at - Date.now();
        if (wait > 0) await Bun.sleep(wait);
        const start = Date.now() - c.t0;
        c.say(`fault: ${fault.name}`);
        let note: string | void = undefined;
        try {
          note = await fault.inject(c, Math.round(fault.holdMs * scale));
        } catch (err) {
          note = `injection failed: ${(err as Error).message.slice(0, 300)}`;
          c.say(note);
        }
        c.record({ name: fault.name, start_ms: start, end_ms: Date.now() - c.t0, ...(note ? { note } : {}) });
      }
    },
  };
}
