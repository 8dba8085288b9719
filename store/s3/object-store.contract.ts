/**
 * The contract both object-store adapters pass (filesystem and S3): put replaces, get returns
 * the bytes, list is recursive and ordered, listDirs lists one level, delete is idempotent.
 */
import { describe, expect, test } from "bun:test";
import { ObjectNotFoundError, type ObjectStore } from "./object-store.ts";

export function objectStoreContract(name: string, freshStore: () => Promise<ObjectStore>): void {
  describe(`object store contract: ${name}`, () => {
    const bytes = (text: string) => new TextEncoder().encode(text);

    test("put then get returns the bytes; a second put replaces the object", async () => {
      const store = await freshStore();
      await store.put("events/app_id=a/dt=2024-01-01/hour=00/f.parquet", bytes("one"));
      await store.put("events/app_id=a/dt=2024-01-01/hour=00/f.parquet", bytes("two!"));
      expect(new TextDecoder().decode(await store.get("events/app_id=a/dt=2024-01-01/hour=00/f.parquet"))).toBe("two!");
      expect(await store.list("events/")).toEqual([{ key: "events/app_id=a/dt=2024-01-01/hour=00/f.parquet", size: 4 }]);
    });

    test("prepare is idempotent", async () => {
      const store = await freshStore();
      await store.prepare();
      await store.prepare();
    });

    test("get of a missing key rejects with ObjectNotFoundError", async () => {
      const store = await freshStore();
      await expect(store.get("events/nope.parquet")).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    test("list is recursive, prefix-filtered and in key order; listDirs is one level", async () => {
      const store = await freshStore();
      const keys = [
        "events/app_id=b/dt=2024-01-02/hour=05/x.parquet",
        "events/app_id=a/dt=2024-01-01/hour=01/y.parquet",
        "events/app_id=a/dt=2024-01-01/hour=00/z.parquet",
        "events/app_id=ab/dt=2024-01-01/hour=00/w.parquet",
        "other/q",
      ];
      for (const k of keys) await store.put(k, bytes(k));
      expect((await store.list("events/app_id=a/")).map((o) => o.key)).toEqual([
        "events/app_id=a/dt=2024-01-01/hour=00/z.parquet",
        "events/app_id=a/dt=2024-01-01/hour=01/y.parquet",
      ]);
      expect((await store.list("events/app_id=a")).length).toBe(3);
      expect(await store.listDirs("events/")).toEqual(["events/app_id=a/", "events/app_id=ab/", "events/app_id=b/"]);
      expect(await store.listDirs("events/app_id=a/dt=2024-01-01/")).toEqual([
        "events/app_id=a/dt=2024-01-01/hour=00/", "events/app_id=a/dt=2024-01-01/hour=01/",
      ]);
      expect(await store.listDirs("events/app_id=zzz/")).toEqual([]);
      expect(await store.list("nothing/")).toEqual([]);
    });

    test("delete removes objects, ignores missing ones, and leaves no empty directories", async () => {
      const store = await freshStore();
      await store.put("events/app_id=a/dt=2024-01-01/hour=00/1.parquet", bytes("1"));
      await store.put("events/app_id=a/dt=2024-01-01/hour=00/2.parquet", bytes("2"));
      await store.put("events/app_id=a/dt=2024-01-02/hour=00/3.parquet", bytes("3"));
      await store.delete(["events/app_id=a/dt=2024-01-01/hour=00/1.parquet", "events/app_id=a/dt=2024-01-01/hour=00/2.parquet", "events/missing"]);
      expect((await store.list("events/")).map((o) => o.key)).toEqual(["events/app_id=a/dt=2024-01-02/hour=00/3.parquet"]);
      expect(await store.listDirs("events/app_id=a/")).toEqual(["events/app_id=a/dt=2024-01-02/"]);
    });

    test("a 12 MiB object round-trips intact", async () => {
      const store = await freshStore();
      const big = new Uint8Array(12 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 65_536) big.set(crypto.getRandomValues(new Uint8Array(65_536)), i);
      await store.put("big/object.bin", big);
      expect(Bun.hash(await store.get("big/object.bin"))).toBe(Bun.hash(big));
    });
  });
}
