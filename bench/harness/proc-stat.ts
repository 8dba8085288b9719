/**
 * CPU and memory of a process from /proc, sampled by the harness once a second. Pure parsers
 * here (tested on fixtures); reading the files is the sampler's job.
 */

export interface ProcTimes {
  /** utime + stime of the process, in clock ticks. */
  ticks: number;
}

/** /proc/<pid>/stat: the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): ProcTimes {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  return { ticks: Number(fields[11]) + Number(fields[12]) };
}

/** Resident set size in bytes from /proc/<pid>/status (VmRSS is in kB). */
export function parseRssBytes(text: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU use between two samples, in percent of one core (200 means two cores busy). */
export function cpuPercent(before: ProcTimes, after: ProcTimes, elapsedMs: number, ticksPerSecond = 100): number {
  if (elapsedMs <= 0) return 0;
  return ((after.ticks - before.ticks) / ticksPerSecond / (elapsedMs / 1000)) * 100;
}
