/** What a figure was measured on: printed beside every table, since figures only compare on one machine. */
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memory_gib: number;
  kernel: string;
  bun: string;
  versions: Record<string, string>;
}

export function describeMachine(versions: Record<string, string>): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memory_gib: Math.round(totalmem() / 1024 ** 3),
    kernel: readFileSync("/proc/version", "utf8").split(" ").slice(0, 3).join(" "),
    bun: Bun.version,
    versions,
  };
}

/** Versions of what the run used, from the lockfile and the local stack's pins. */
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
