/** What a figure was measured on: printed beside every table, since figures only compare on one machine. */
import { readFileSync } from "node:fs";

export interface Machine {
  cpu: string;
  cores: number;
  memory_gib: number;
  kernel: string;
  bun: string;
  versions: Record<string, string>;
}

/** CPU model and logical cores from /proc/cpuinfo. */
export function parseCpuinfo(text: string): { cpu: string; cores: number } {
  const models = [...text.matchAll(/^model name\s*:\s*(.+)$/gm)].map((m) => m[1]!.trim());
  const cores = [...text.matchAll(/^processor\s*:/gm)].length;
  return { cpu: models[0] ?? "unknown", cores };
}

/** MemTotal from /proc/meminfo, in GiB. */
export function parseMeminfoGib(text: string): number {
  const kb = Number(/^MemTotal:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
  return Math.round((kb / 1024 ** 2) * 10) / 10;
}

export function describeMachine(versions: Record<string, string>): Machine {
  return {
    ...parseCpuinfo(readFileSync("/proc/cpuinfo", "utf8")),
    memory_gib: parseMeminfoGib(readFileSync("/proc/meminfo", "utf8")),
    kernel: readFileSync("/proc/version", "utf8").split(" ").slice(0, 3).join(" "),
    bun: Bun.version,
    versions,
  };
}

/** The server's own version string, or why it could not be had. */
export async function clickhouseVersion(url: string | undefined): Promise<string> {
  if (!url) return "not configured";
  return fetch(`${url.replace(/\/$/, "")}/?query=${encodeURIComponent("SELECT version()")}`)
    .then(async (r) => (r.ok ? (await r.text()).trim() : `HTTP ${r.status}`), (e: Error) => `unreachable (${e.message})`);
}

/** Versions of what the run used, from node_modules and the local stack's pins. */
export function packageVersions(names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    try {
      out[name] = (JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")) as { version: string }).version;
    } catch {
      out[name] = "not installed";
    }
  }
  return out;
}
