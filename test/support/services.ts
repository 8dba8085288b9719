/**
 * Where integration tests find the real services. `bash infra/test` starts the local stack and
 * exports its FG_* variables; a test that needs a service which is not configured fails with a
 * message saying so, rather than skipping.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with \`bash infra/test\`, which starts the services`);
  return value;
}

/** A name no other test (or earlier run) uses, for topics, tables, buckets and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
