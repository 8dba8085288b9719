import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileKeyStore } from "./file-store.ts";
import { keyStoreContract } from "./store.contract.ts";

keyStoreContract("file", async () => createFileKeyStore(join(mkdtempSync(join(tmpdir(), "fg-keys-")), "keys.json")));
