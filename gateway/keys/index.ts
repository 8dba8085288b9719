/** The key store the configuration picks: Postgres when FG_POSTGRES_URL is set, else a file under FG_DATA_DIR. */
import { join } from "node:path";
import type { SharedEnv } from "../../infra/config/shared.ts";
import { createFileKeyStore } from "./file-store.ts";
import { createPostgresKeyStore } from "./postgres-store.ts";
import type { KeyStore } from "./store.ts";

export { apiKeyOf } from "./api-key.ts";
export { createAuthenticator, type Authenticator } from "./authenticator.ts";
export { createKeyWatch, type KeyWatch } from "./watch.ts";
export type { ApiKey, KeyStore } from "./store.ts";

export function openKeyStore(env: Pick<SharedEnv, "FG_POSTGRES_URL" | "FG_DATA_DIR">): Promise<KeyStore> {
  return env.FG_POSTGRES_URL ? createPostgresKeyStore(env.FG_POSTGRES_URL) : Promise.resolve(createFileKeyStore(join(env.FG_DATA_DIR, "api-keys.json")));
}
