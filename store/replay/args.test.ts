import { describe, expect, test } from "bun:test";
import { parseReplayArgs } from "./args.ts";

describe("replay arguments", () => {
  test("parse RFC 3339 and epoch-ms times, topic and rate", () => {
    expect(parseReplayArgs(["--from", "s3", "--app", "shop", "--since", "2024-03-10T22:00:00Z", "--until", "1710115200000", "--to-topic", "t", "--rate", "500"]))
      .toEqual({ ok: true, args: { app: "shop", since: Date.UTC(2024, 2, 10, 22), until: 1710115200000, toTopic: "t", rate: 500 } });
  });

  test("default to the archive, the events topic and 10000 events/s", () => {
    const parsed = parseReplayArgs(["--app", "shop", "--since", "0", "--until", "1"]);
    expect(parsed).toEqual({ ok: true, args: { app: "shop", since: 0, until: 1, toTopic: undefined, rate: 10_000 } });
  });

  test("reject what cannot be replayed, naming the flag", () => {
    const error = (argv: string[]) => {
      const parsed = parseReplayArgs(argv);
      return parsed.ok ? undefined : parsed.error;
    };
    const base = ["--app", "shop", "--since", "0", "--until", "10"];
    expect(error(["--from", "postgres", ...base])).toContain("--from");
    expect(error(["--since", "0", "--until", "1"])).toContain("--app");
    expect(error(["--app", "shop", "--until", "1"])).toContain("--since is required");
    expect(error(["--app", "shop", "--since", "yesterday", "--until", "1"])).toContain("not a time");
    expect(error(["--app", "shop", "--since", "10", "--until", "10"])).toContain("before --until");
    expect(error([...base, "--rate", "0"])).toContain("--rate");
    expect(error([...base, "--bogus"])).toContain("bogus");
  });
});
