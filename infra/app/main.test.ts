/** The entry point as a user runs it: `fluxgate all` on embedded defaults serves /healthz and stops on SIGTERM. */
import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { freePort } from "../../test/support/free-port.ts";

const serviceVars = ["FG_KAFKA_BROKERS", "FG_REDIS_URL", "FG_POSTGRES_URL", "FG_CLICKHOUSE_URL", "FG_S3_ENDPOINT"];

test("all roles on embedded defaults answer /healthz, then drain and exit 0 on SIGTERM", async () => {
  const port = freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !serviceVars.includes(k)));
  const child = Bun.spawn(["bun", "infra/app/main.ts", "all"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...env, FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(freePort()), FG_LOG_LEVEL: "warn", FG_DATA_DIR: `${process.env.TMPDIR ?? "/tmp"}/fg-main-${port}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const res = await waitFor(() => fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined), (r) => r?.status === 200, { what: "/healthz" });
    expect(await res!.json()).toEqual({ status: "ok" });
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
}, 30_000);

test("a role without the gateway serves health and metrics on FG_ADMIN_PORT when asked", async () => {
  const port = freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !serviceVars.includes(k)));
  const child = Bun.spawn(["bun", "infra/app/main.ts", "processor"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...env, FG_ADMIN_PORT: String(port), FG_LOG_LEVEL: "warn" },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const res = await waitFor(() => fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined), (r) => r?.status === 200, { what: "/readyz" });
    expect(await res!.json()).toEqual({ status: "ready" });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain("fluxgate_processor_events_total");
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
}, 30_000);

test("a bad variable stops the program with exit 78 and names it", async () => {
  const child = Bun.spawn(["bun", "infra/app/main.ts", "gateway"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...process.env, FG_GATEWAY_PORT: "not-a-port" },
    stderr: "pipe",
  });
  expect(await child.exited).toBe(78);
  expect(await new Response(child.stderr).text()).toContain("FG_GATEWAY_PORT");
}, 20_000);

test("commands run and exit: `rules validate` accepts the examples and refuses a broken file with its line", async () => {
  const cwd = new URL("../..", import.meta.url).pathname;
  const ok = Bun.spawn(["bun", "infra/app/main.ts", "rules", "validate", "rules/examples"], { cwd, stdout: "pipe" });
  expect(await ok.exited).toBe(0);
  const broken = `${process.env.TMPDIR ?? "/tmp"}/fg-broken-${process.pid}.yaml`;
  await Bun.write(broken, "id: broken\napp: shop\nseverity: loud\n");
  const bad = Bun.spawn(["bun", "infra/app/main.ts", "rules", "validate", broken], { cwd, stdout: "pipe", stderr: "pipe" });
  expect(await bad.exited).not.toBe(0);
  const output = (await new Response(bad.stdout).text()) + (await new Response(bad.stderr).text());
  // Paths are printed relative to the working directory; the positions are what matter.
  const name = broken.split("/").at(-1)!;
  expect(output).toContain(`${name}:1:1: description`);
  expect(output).toContain(`${name}:3:11: severity`);
}, 20_000);

/** Reads a child's stdout until a line matches (the stream stays open: the child keeps running). */
async function lineMatching(stream: ReadableStream<Uint8Array>, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
      const m = text.match(pattern);
      if (m) return m;
    }
  } finally {
    reader.releaseLock();
  }
  throw new Error(`no line matching ${pattern} in: ${text.slice(0, 500)}`);
}

test("the start command prints the console's URL on embedded defaults; the key in it opens the console, nothing else does", async () => {
  const port = freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !serviceVars.includes(k) && k !== "FG_ADMIN_KEY"));
  const child = Bun.spawn(["bun", "infra/app/main.ts", "all"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...env, FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(freePort()), FG_LOG_LEVEL: "warn", FG_DATA_DIR: `${process.env.TMPDIR ?? "/tmp"}/fg-main-console-${port}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const [, url, key] = await lineMatching(child.stdout, /Fluxgate console: (http:\/\/127\.0\.0\.1:\d+\/console\/)#key=(\S+)\n/);
    expect(url).toBe(`http://127.0.0.1:${port}/console/`);
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/console/app.js");
    expect((await fetch(`${url}app.js`)).status).toBe(200);
    expect((await fetch(`${url}api/snapshot`)).status).toBe(401);
    const who = await fetch(`${url}api/whoami`, { headers: { authorization: `Bearer ${decodeURIComponent(key!)}` } });
    expect(await who.json()).toEqual({ scope: { kind: "operator" } });
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
}, 30_000);

test("a process without the gateway serves the console on FG_ADMIN_PORT, with the configured operator key", async () => {
  const port = freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !serviceVars.includes(k)));
  const key = "operator-key-for-this-test-0123";
  const child = Bun.spawn(["bun", "infra/app/main.ts", "processor"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...env, FG_ADMIN_PORT: String(port), FG_ADMIN_KEY: key, FG_LOG_LEVEL: "warn", FG_DATA_DIR: `${process.env.TMPDIR ?? "/tmp"}/fg-main-admin-${port}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    // A configured key is not printed.
    const [line] = await lineMatching(child.stdout, /Fluxgate console: \S+\n/);
    expect(line).toBe(`Fluxgate console: http://127.0.0.1:${port}/console/\n`);
    const snapshot = await fetch(`http://127.0.0.1:${port}/console/api/snapshot`, { headers: { "x-api-key": key } });
    expect(snapshot.status).toBe(200);
    const body = (await snapshot.json()) as { pipeline: { services: { name: string }[] } };
    expect(body.pipeline.services.map((s) => s.name)).toEqual(["processor"]);
    expect((await fetch(`http://127.0.0.1:${port}/console/api/snapshot`, { headers: { "x-api-key": "wrong-key-wrong-key" } })).status).toBe(401);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
}, 30_000);
