/** `infra/local/stack env` must export its variables: `eval` alone has to hand them to child processes. */
import { expect, test } from "bun:test";

test("eval \"$(bash infra/local/stack env)\" exports the service variables to a child process", async () => {
  const root = new URL("../..", import.meta.url).pathname;
  const script = 'eval "$(bash infra/local/stack env)"; bun -e "console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith(\'FG_\')))))"';
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FG_"))) as Record<string, string>;
  const proc = Bun.spawn(["bash", "-c", script], { cwd: root, env: { ...env, FG_DATA: `${root}.fluxgate` }, stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  const seen = JSON.parse(out) as Record<string, string>;
  for (const name of ["FG_KAFKA_BROKERS", "FG_REDIS_URL", "FG_POSTGRES_URL", "FG_CLICKHOUSE_URL", "FG_S3_ENDPOINT", "FG_S3_ACCESS_KEY", "FG_S3_SECRET_KEY", "FG_S3_BUCKET"]) {
    expect(seen[name]).toBeTruthy();
  }
});
