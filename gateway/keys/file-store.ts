/**
 * API keys in a JSON file (embedded defaults): fine for one gateway on a laptop. Writes go to a
 * temporary file renamed over the old one, so a crash never leaves half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ApiKey, KeyStore } from "./store.ts";

export function createFileKeyStore(path: string): KeyStore {
  const read = (): ApiKey[] => {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as ApiKey[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new Error(`API key file ${path} is unreadable: ${(err as Error).message}`);
    }
  };
  const write = (keys: ApiKey[]) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(keys, null, 2), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  };
  return {
    async add(key) {
      write([...read(), key]);
    },
    get: async (id) => read().find((k) => k.id === id),
    async revoke(id, at) {
      const keys = read();
      const key = keys.find((k) => k.id === id && k.revoked_at === null);
      if (!key) return false;
      key.revoked_at = at.toISOString();
      write(keys);
      return true;
    },
    list: async (appId) => read().filter((k) => appId === undefined || k.app_id === appId),
    close: async () => {},
  };
}
