/**
 * `fluxgate rules test <path> [--events <file.ndjson>] [--until <time>]`: runs the rules on recorded
 * events in event time and prints the windows and alerts they would produce, then checks the
 * expectations written beside the rules. Without --events, each expectation runs on the events
 * file it names. Exit 1 if an expectation is not met.
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { contentVersion, toRuleSet, type RuleSet } from "../../rules/set/rule-set.ts";
import { parseEvents } from "../../rules/testing/events.ts";
import { checkExpectation, collectExpectations, type Expectation } from "../../rules/testing/expectations.ts";
import { replay, type ReplayResult } from "./replay.ts";
import { UsageError } from "../../rules/cli/args.ts";
import { iso, type CliIo } from "../../rules/cli/io.ts";
import { loadAndValidate } from "../../rules/cli/validate.ts";

interface Run {
  events: string;
  until?: number;
  expectations: Expectation[];
}

export function testCommand(path: string, flags: Map<string, string>, io: CliIo): number {
  const validated = loadAndValidate(path, io);
  if (!validated?.ok) return 1;
  const collected = collectExpectations(validated.rules);
  if (!collected.ok) {
    collected.problems.forEach((p) => io.err(p));
    return 1;
  }
  const ruleSet = toRuleSet(contentVersion(validated.rules.map((r) => r.compiled)), validated.rules);
  const runs = plan(collected.expectations, flags);
  if (runs.length === 0) throw new UsageError("no events to run: pass --events <file.ndjson> or name events in an expectation");

  let failed = 0;
  for (const run of runs) {
    const text = readEvents(run.events, io);
    if (text === null) return 1;
    const parsed = parseEvents(text, run.events);
    if (!parsed.ok) {
      parsed.problems.forEach((p) => io.err(p));
      return 1;
    }
    io.out(`== ${relative(process.cwd(), run.events) || run.events}: ${parsed.events.length} events, ${ruleSet.rules.length} rules, until ${iso(run.until ?? Number.MAX_SAFE_INTEGER)}`);
    const result = replay(ruleSet, parsed.events, run.until === undefined ? {} : { until: run.until });
    print(result, ruleSet, io);
    for (const expectation of run.expectations) {
      const check = checkExpectation(expectation, result.alerts.filter((a) => a.verdict === "send").map((a) => a.alert));
      if (check.ok) {
        io.out(`PASS ${expectation.source}: ${expectation.alerts.length} alert${expectation.alerts.length === 1 ? "" : "s"} as expected`);
        continue;
      }
      failed++;
      io.out(`FAIL ${expectation.source}`);
      for (const m of check.missing) io.out(`  missing:    ${JSON.stringify({ ...m, ...(m.at !== undefined && { at: iso(m.at) }) })}`);
      for (const a of check.unexpected) io.out(`  unexpected: ${a.rule_id} ${a.app_id}/${a.group_key} at ${iso(a.ts)}${a.window ? ` value ${a.window.value}` : ""}`);
    }
  }
  return failed ? 1 : 0;
}

function plan(expectations: Expectation[], flags: Map<string, string>): Run[] {
  const untilFlag = flags.get("until");
  const until = untilFlag === undefined ? undefined : parseTime(untilFlag);
  const given = flags.get("events");
  if (given !== undefined) {
    const events = resolve(given);
    const relevant = expectations.filter((e) => e.events === undefined || e.events === events);
    return [{ events: given, ...((until ?? relevant[0]?.until) !== undefined && { until: until ?? relevant[0]?.until }), expectations: relevant }];
  }
  const runs = new Map<string, Run>();
  for (const e of expectations) {
    if (e.events === undefined) continue;
    const u = until ?? e.until;
    const key = `${e.events}|${u ?? ""}`;
    const run = runs.get(key) ?? { events: e.events, ...(u !== undefined && { until: u }), expectations: [] };
    run.expectations.push(e);
    runs.set(key, run);
  }
  return [...runs.values()];
}

function parseTime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--until: expected ms since epoch or an RFC 3339 time, got ${JSON.stringify(text)}`);
  return ms;
}

function readEvents(file: string, io: CliIo): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    io.err(`cannot read events ${file}: ${(e as Error).message}`);
    return null;
  }
}

function print(result: ReplayResult, ruleSet: RuleSet, io: CliIo): void {
  const thresholds = new Map(ruleSet.rules.flatMap((r) => (r.kind === "window" ? [[r.id, r.threshold] as const] : [])));
  for (const w of result.windows) {
    const t = thresholds.get(w.rule_id);
    io.out(`window ${w.rule_id} ${w.app_id}/${w.group_key} [${iso(w.start)}, ${iso(w.end)}) events=${w.count} value=${w.value}${w.crossed && t ? `  ${t.op} ${t.value}: ALERT` : ""}`);
  }
  for (const { alert: a, verdict } of result.alerts) {
    const cause = a.window ? `value ${a.window.value}` : `match ${Object.entries(a.match?.steps ?? {}).map(([s, ids]) => `${s}=[${ids.join(",")}]`).join(" ")}`;
    io.out(`alert  ${a.rule_id} ${a.severity} ${a.app_id}/${a.group_key} at ${iso(a.ts)} ${cause}  id ${a.id.slice(0, 12)}${verdict === "send" ? "" : `  (${verdict})`}`);
  }
}
