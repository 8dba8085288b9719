/** Where command output goes: stdout and stderr in the program, arrays in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export const iso = (ms: number): string => (ms >= 8.64e15 ? "end of time" : new Date(ms).toISOString().replace(".000Z", "Z"));
