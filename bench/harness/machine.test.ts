import { expect, test } from "bun:test";
import { parseCpuinfo, parseMeminfoGib } from "./machine.ts";

test("cpuinfo: the model of the first processor and the count of logical cores", () => {
  const block = (n: number) => `processor\t: ${n}\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\ncpu MHz\t\t: 2600.000\n`;
  expect(parseCpuinfo([0, 1].map(block).join("\n"))).toEqual({ cpu: "AMD EPYC 9B14", cores: 2 });
  expect(parseCpuinfo("")).toEqual({ cpu: "unknown", cores: 0 });
});

test("meminfo: MemTotal in GiB, one decimal", () => {
  expect(parseMeminfoGib("MemTotal:       25165824 kB\nMemFree:         1000 kB\n")).toBe(24);
  expect(parseMeminfoGib("MemTotal:        3932160 kB\n")).toBe(3.8);
});
