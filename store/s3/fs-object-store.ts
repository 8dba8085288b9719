/**
 * The embedded object store: keys are paths under a root directory (FG_DATA_DIR/archive), so
 * a laptop gets the same Hive layout as S3 and DuckDB can read it in place. A put writes a
 * temporary file, fsyncs it and renames it over the key, so readers see the old object or the
 * new one, never half of one, and a resolved put survives a power cut.
 */
import { mkdir, open, readdir, readFile, rename, rmdir, unlink } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from "./object-store.ts";

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === "ENOENT";
const isTemp = (name: string) => name.startsWith(".");

export function createFsObjectStore(rootDir: string): ObjectStore {
  const root = resolve(rootDir);
  const pathOf = (key: string): string => {
    if (key.startsWith("/") || key.split("/").some((s) => s === ".." || s === ".")) throw new Error(`invalid object key ${key}`);
    return join(root, key);
  };

  async function syncDir(dir: string) {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function writeAtomically(path: string, body: Uint8Array) {
    const temp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await syncDir(dirname(path)); // the rename itself is durable only once the directory is
  }

  async function walk(dir: string, out: ObjectInfo[]) {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (isTemp(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, out);
      else if (entry.isFile()) out.push({ key: relative(root, path).split(sep).join("/"), size: Bun.file(path).size });
    }
  }

  /** Empty directories left by deletes are removed, so retention leaves no dt= shells behind. */
  async function pruneEmptyParents(path: string) {
    for (let dir = dirname(path); dir.startsWith(root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): parents are not empty either
      }
    }
  }

  return {
    kind: "fs",
    async prepare() {
      await mkdir(root, { recursive: true });
    },
    async put(key, body) {
      const path = pathOf(key);
      // A concurrent delete may prune the directory between mkdir and the write: make it again.
      for (let attempt = 1; ; attempt++) {
        await mkdir(dirname(path), { recursive: true });
        try {
          return await writeAtomically(path, body);
        } catch (err) {
          if (!isMissing(err) || attempt === 3) throw err;
        }
      }
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (err) {
        if (isMissing(err)) throw new ObjectNotFoundError(key);
        throw err;
      }
    },
    async list(prefix) {
      const out: ObjectInfo[] = [];
      const base = prefix.slice(0, prefix.lastIndexOf("/") + 1);
      await walk(base ? pathOf(base) : root, out);
      return out.filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async listDirs(prefix) {
      try {
        const entries = await readdir(prefix ? pathOf(prefix) : root, { withFileTypes: true });
        return entries.filter((e) => e.isDirectory() && !isTemp(e.name)).map((e) => `${prefix}${e.name}/`).sort();
      } catch (err) {
        if (isMissing(err)) return [];
        throw err;
      }
    },
    async delete(keys) {
      for (const key of keys) {
        const path = pathOf(key);
        try {
          await unlink(path);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
        await pruneEmptyParents(path);
      }
    },
  };
}
