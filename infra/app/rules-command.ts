/**
 * `fluxgate rules ...`: the rule author's commands. infra/app/main.ts calls runRulesCommand with the
 * arguments after `rules` and the parsed configuration; it returns the exit code. The command is
 * wired here, in the composition root, because its parts belong to three layers: the rules part's
 * own commands (rules/cli/), the processor's `test` (processor/testing/) and the alerts role's
 * dead-letter commands (rules/alerts/cli.ts).
 */
import { deadLettersCommand, replayDeadLettersCommand } from "../../rules/alerts/cli.ts";
import { parseArgs, UsageError } from "../../rules/cli/args.ts";
import { processIo, type CliIo } from "../../rules/cli/io.ts";
import { historyCommand, listCommand, pushCommand, rollbackCommand } from "../../rules/cli/store-commands.ts";
import { testCommand } from "../../processor/testing/cli.ts";
import { validateCommand } from "../../rules/cli/validate.ts";
import type { RulesEnv } from "../../rules/config.ts";

export const rulesUsage = `usage: fluxgate rules <command>
  validate <path>                                   check rule files (a file or a directory)
  test <path> [--events <file.ndjson>] [--until <time>]
                                                    run rules on recorded events; check expectations
  push <path> [--author <name>] [--comment <text>]  store new versions and publish the rule set
  list                                              rules and their current versions
  history <id>                                      every version of a rule (* = current)
  rollback <id> <version> [--author] [--comment]    make an earlier version current and publish
  dead-letters [--sink <name>]                      webhook deliveries that failed for good
  replay-dead-letters [--sink <name>]               deliver them again`;

type Command = (a: ReturnType<typeof parseArgs>, env: RulesEnv, io: CliIo) => number | Promise<number>;

const commands: Record<string, { flags: string[]; args: number; run: Command }> = {
  validate: { flags: [], args: 1, run: (a, _env, io) => validateCommand(a.positional[0]!, io) },
  test: { flags: ["events", "until"], args: 1, run: (a, _env, io) => testCommand(a.positional[0]!, a.flags, io) },
  push: { flags: ["author", "comment"], args: 1, run: (a, env, io) => pushCommand(a.positional[0]!, a.flags, env, io) },
  list: { flags: [], args: 0, run: (_a, env, io) => listCommand(env, io) },
  history: { flags: [], args: 1, run: (a, env, io) => historyCommand(a.positional[0]!, env, io) },
  rollback: { flags: ["author", "comment"], args: 2, run: (a, env, io) => rollbackCommand(a.positional[0]!, a.positional[1]!, a.flags, env, io) },
  "dead-letters": { flags: ["sink"], args: 0, run: (a, env, io) => deadLettersCommand(a.flags, env, io) },
  "replay-dead-letters": { flags: ["sink"], args: 0, run: (a, env, io) => replayDeadLettersCommand(a.flags, env, io) },
};

export async function runRulesCommand(argv: string[], env: RulesEnv, io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help") {
    io.out(rulesUsage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`fluxgate rules: unknown command '${name}'\n${rulesUsage}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, command.flags);
    if (args.positional.length !== command.args) throw new UsageError(`'${name}' takes ${command.args} argument${command.args === 1 ? "" : "s"}`);
    return await command.run(args, env, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`fluxgate rules ${name}: ${e.message}\n${rulesUsage}`);
    return 2;
  }
}
