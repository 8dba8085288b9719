import { expect, test } from "bun:test";
import { SinkError } from "../sink.ts";
import { backoffDelay } from "./backoff.ts";
import { WriteAbortedError, writeWithRetry } from "./retry.ts";
import { SinkUnavailableError, isNetworkError } from "./unavailable.ts";

const policy = { maxAttempts: 3, baseMs: 1, maxMs: 4 };

function failing(errors: unknown[]) {
  let calls = 0;
  return {
    write: async () => {
      const err = errors[calls++];
      if (err) throw err;
    },
    calls: () => calls,
  };
}

function hooks() {
  const retries: string[] = [];
  let stopped = false;
  let abort!: () => void;
  const aborted = new Promise<void>((r) => (abort = r));
  return { retries, stop: () => ((stopped = true), abort()), hooks: { aborted, isAborted: () => stopped, onRetry: (kind: string) => void retries.push(kind) } };
}

test("backoff grows exponentially, is capped, and keeps at least half of its ceiling", () => {
  const p = { baseMs: 100, maxMs: 1_000 };
  expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, p, () => 0))).toEqual([50, 100, 200, 400, 500]);
  expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, p, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
});

test("a permanent error gives up at once", async () => {
  const w = failing([new SinkError("bad row", true)]);
  const h = hooks();
  expect(await writeWithRetry(w.write, policy, h.hooks)).toEqual({ ok: false, permanent: true, error: "bad row" });
  expect(w.calls()).toBe(1);
});

test("transient errors are retried up to the attempt budget", async () => {
  const w = failing([new Error("a"), new SinkError("b", false), new Error("c"), undefined]);
  const h = hooks();
  expect(await writeWithRetry(w.write, policy, h.hooks)).toEqual({ ok: false, permanent: false, error: "c" });
  expect(w.calls()).toBe(3);
  expect(h.retries).toEqual(["transient", "transient"]);
});

test("an unreachable tier is retried beyond the budget until it answers", async () => {
  const w = failing([...Array.from({ length: 6 }, () => new SinkUnavailableError("down")), undefined]);
  const h = hooks();
  expect(await writeWithRetry(w.write, policy, h.hooks)).toEqual({ ok: true });
  expect(w.calls()).toBe(7);
});

test("a transient error caused by the network is treated as the tier being unavailable", async () => {
  const refused = Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" });
  const w = failing([...Array.from({ length: 5 }, () => new SinkError("put failed", false, { cause: refused })), undefined]);
  const h = hooks();
  expect(await writeWithRetry(w.write, policy, h.hooks)).toEqual({ ok: true });
  expect(h.retries).toEqual(Array(5).fill("unavailable"));
});

test("a stop ends the retrying with an error, neither written nor given up", async () => {
  const h = hooks();
  const pending = writeWithRetry(async () => { throw new SinkUnavailableError("down"); }, { ...policy, baseMs: 10_000, maxMs: 10_000 }, h.hooks);
  h.stop();
  await expect(pending).rejects.toBeInstanceOf(WriteAbortedError);
});

test("network errors are recognised through their causes", () => {
  expect(isNetworkError(new Error("x", { cause: Object.assign(new Error("y"), { code: "ECONNREFUSED" }) }))).toBe(true);
  expect(isNetworkError(new Error("Code: 62, Syntax error"))).toBe(false);
});
