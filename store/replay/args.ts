/**
 * The replay command line: `fluxgate replay --from s3 --app <app> --since <time> --until <time>
 * [--to-topic <topic>] [--rate <events/s>]`. Times are RFC 3339 or integer ms since the epoch;
 * the range is [since, until) of event time.
 */
import { parseArgs } from "node:util";
import { APP_ID } from "../../schemas/envelope.ts";

export const replayUsage =
  "usage: fluxgate replay --from s3 --app <app> --since <time> --until <time> [--to-topic <topic>] [--rate <events/s>]\n" +
  "  <time>: RFC 3339 (2024-03-10T22:00:00Z) or ms since the epoch; events with since <= ts < until are replayed\n" +
  "  --to-topic: default the events topic (fg.events with FG_TOPIC_PREFIX); --rate: default 10000";

export interface ReplayArgs {
  app: string;
  since: number;
  until: number;
  /** Undefined: the events topic. */
  toTopic?: string;
  rate: number;
}

export type ParsedReplayArgs = { ok: true; args: ReplayArgs } | { ok: false; error: string };

function parseTime(name: string, value: string | undefined): number | string {
  if (value === undefined) return `--${name} is required`;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : `--${name}: not a time: ${value}`;
}

export function parseReplayArgs(argv: string[]): ParsedReplayArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: "string", default: "s3" },
        app: { type: "string" },
        since: { type: "string" },
        until: { type: "string" },
        "to-topic": { type: "string" },
        rate: { type: "string", default: "10000" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (values.from !== "s3") return { ok: false, error: `--from: only s3 (the archive) can be replayed, not ${values.from}` };
  if (!values.app || !APP_ID.test(values.app)) return { ok: false, error: "--app is required and must match [a-z0-9_-]{1,64}" };
  const since = parseTime("since", values.since);
  const until = parseTime("until", values.until);
  if (typeof since === "string") return { ok: false, error: since };
  if (typeof until === "string") return { ok: false, error: until };
  if (since >= until) return { ok: false, error: "--since must be before --until" };
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate <= 0) return { ok: false, error: `--rate must be a positive number of events/s, not ${values.rate}` };
  return { ok: true, args: { app: values.app, since, until, toTopic: values["to-topic"], rate } };
}
