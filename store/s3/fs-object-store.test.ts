import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createFsObjectStore } from "./fs-object-store.ts";
import { objectStoreContract } from "./object-store.contract.ts";
import { freshDataDir, freshFsStore } from "../../test/support/store/test-stores.ts";

objectStoreContract("filesystem", freshFsStore);

test("filesystem store: keys cannot escape the root, and puts leave no temporary files", async () => {
  const root = join(freshDataDir(), "archive");
  const store = createFsObjectStore(root);
  await store.prepare();
  await expect(store.put("../outside", new Uint8Array(1))).rejects.toThrow("invalid object key");
  await expect(store.put("/abs", new Uint8Array(1))).rejects.toThrow("invalid object key");
  await store.put("d/f", new Uint8Array(3));
  expect(readdirSync(join(root, "d"))).toEqual(["f"]);
});
