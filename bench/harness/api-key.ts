/** An API key for the benchmark's app, made with the product's own CLI against the key store the gateway will use. */
export async function createApiKey(app: string, env: Record<string, string>): Promise<string> {
  const proc = Bun.spawn(["bun", "infra/app/main.ts", "keys", "create", "--app", app, "--name", "bench"], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`fluxgate keys create failed (${code}): ${err.trim() || out.trim()}`);
  // The secret is the one token on its own line of the output.
  const secret = out.split("\n").map((l) => l.trim()).find((l) => /^\S{24,}$/.test(l));
  if (!secret) throw new Error(`no key secret in the output of fluxgate keys create:\n${out}`);
  return secret;
}
