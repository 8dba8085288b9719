/** A minimal flag parser for the rules commands: positionals, `--name value` and `--name=value`. */
export interface Args {
  positional: string[];
  flags: Map<string, string>;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export function parseArgs(argv: readonly string[], known: readonly string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!known.includes(name)) throw new UsageError(`unknown option --${name}${known.length ? ` (expected ${known.map((k) => `--${k}`).join(", ")})` : ""}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positional, flags };
}
