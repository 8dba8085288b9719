/**
 * `fluxgate keys create --app <app> [--name <name>] | revoke <key-id> | list [--app <app>]`.
 * The secret is printed once, on a line of its own, and never stored.
 */
import { parseArgs } from "node:util";
import type { SharedEnv } from "../../infra/config/shared.ts";
import { APP_ID } from "../../schemas/envelope.ts";
import { openKeyStore } from "./index.ts";
import { hashSecret, newSecret } from "./secret.ts";
import type { KeyStore } from "./store.ts";

export const keysUsage = `usage: fluxgate keys <command>
  create --app <app> [--name <name>]   make a key; prints its secret once
  revoke <key-id>                      the key stops working within the gateways' cache TTL
  list [--app <app>]                   keys (never their secrets)`;

export interface KeysIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: KeysIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function runKeysCommand(argv: string[], env: SharedEnv, io: KeysIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { app: { type: "string" }, name: { type: "string" } } });
  } catch (err) {
    io.err(`fluxgate keys: ${(err as Error).message}\n${keysUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const usage = (why: string) => (io.err(`fluxgate keys: ${why}\n${keysUsage}`), 2);
  if (command === "create" && (!values.app || !APP_ID.test(values.app))) return usage("create needs --app <app>, an app id matching [a-z0-9_-]{1,64}");
  if (command === "revoke" && positionals.length !== 1) return usage("revoke needs one key id");
  if (command !== "create" && command !== "revoke" && command !== "list") return usage(command ? `unknown command '${command}'` : "a command is required");

  const store = await openKeyStore(env);
  try {
    return await run(command, store, values, positionals, io);
  } finally {
    await store.close();
  }
}

async function run(command: "create" | "revoke" | "list", store: KeyStore, values: { app?: string; name?: string }, positionals: string[], io: KeysIo): Promise<number> {
  switch (command) {
    case "create": {
      const { id, secret } = newSecret();
      await store.add({ id, app_id: values.app!, name: values.name ?? "", hash: hashSecret(secret), created_at: new Date().toISOString(), revoked_at: null });
      io.out(`created key ${id} for app ${values.app}; its secret (shown only now):`);
      io.out(secret);
      return 0;
    }
    case "revoke": {
      const revoked = await store.revoke(positionals[0]!, new Date());
      if (!revoked) {
        io.err(`fluxgate keys: no active key ${positionals[0]}`);
        return 1;
      }
      io.out(`revoked key ${positionals[0]}`);
      return 0;
    }
    case "list": {
      const keys = await store.list(values.app);
      for (const k of keys) io.out(`${k.id}  app=${k.app_id}  name=${k.name || "-"}  created=${k.created_at}  ${k.revoked_at ? `revoked=${k.revoked_at}` : "active"}`);
      io.out(`${keys.length} key${keys.length === 1 ? "" : "s"}`);
      return 0;
    }
  }
}
