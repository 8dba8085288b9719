import { expect, test } from "bun:test";
import { cpuPercent, parseRssBytes, parseStat } from "./proc-stat.ts";

test("stat: utime+stime survive a command name with spaces and parentheses", () => {
  const line = "4242 (bun (worker) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 50 0 0 20 0 8 0 123 456 789";
  expect(parseStat(line).ticks).toBe(200);
});

test("status: VmRSS in kB becomes bytes; missing means 0", () => {
  expect(parseRssBytes("Name:\tbun\nVmRSS:\t  204800 kB\nThreads:\t8\n")).toBe(204800 * 1024);
  expect(parseRssBytes("Name:\tzombie\n")).toBe(0);
});

test("cpu percent is per core over the elapsed time", () => {
  expect(cpuPercent({ ticks: 100 }, { ticks: 250 }, 1000)).toBe(150);
  expect(cpuPercent({ ticks: 100 }, { ticks: 150 }, 2000)).toBe(25);
  expect(cpuPercent({ ticks: 1 }, { ticks: 2 }, 0)).toBe(0);
});
