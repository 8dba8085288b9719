/** The contract every state backend passes (memory and Redis alike). */
import { afterAll, describe, expect, test } from "bun:test";
import { uniqueName } from "../../test/support/services.ts";
import { FencedError, type StateStore } from "./port.ts";

export function stateStoreContract(name: string, makeStore: () => Promise<StateStore>): void {
  describe(`state store contract: ${name}`, () => {
    const store = makeStore();
    afterAll(async () => (await store).close());
    const fresh = () => ({ topic: uniqueName("events"), partition: 3 });

    test("a partition never saved loads empty, with no offset", async () => {
      const { checkpoint } = await (await store).claim(fresh());
      expect(checkpoint).toEqual({ records: {}, nextOffset: null });
    });

    test("saves apply writes and deletes with their offset; the next owner loads exactly that", async () => {
      const s = await store;
      const p = fresh();
      const { lease } = await s.claim(p);
      await s.save(lease, { put: new Map([["a", "1"], ["b", "2"], ['w:r:g:["x"]', "{}"]]), del: [] }, "10");
      await s.save(lease, { put: new Map(Object.entries({ b: "3" })), del: ["a", "never-written"] }, "25");
      const next = await s.claim(p);
      expect(next.checkpoint).toEqual({ records: { b: "3", "w:r:g:[\"x\"]": "{}" }, nextOffset: "25" });
      expect(await s.size(p)).toBeGreaterThan(0);
      // Other partitions of the topic are separate.
      expect((await s.claim({ ...p, partition: 4 })).checkpoint.nextOffset).toBeNull();
    });

    test("a claim fences the earlier owner: its save is refused and changes nothing", async () => {
      const s = await store;
      const p = fresh();
      const old = await s.claim(p);
      await s.save(old.lease, { put: new Map(Object.entries({ a: "old" })), del: [] }, "5");
      const now = await s.claim(p);
      await expect(s.save(old.lease, { put: new Map(Object.entries({ a: "stale" })), del: [] }, "9")).rejects.toBeInstanceOf(FencedError);
      await s.save(now.lease, { put: new Map(Object.entries({ b: "new" })), del: [] }, "7");
      expect((await s.claim(p)).checkpoint).toEqual({ records: { a: "old", b: "new" }, nextOffset: "7" });
    });

    test("a batch far larger than one script call's argument slice is saved whole", async () => {
      const s = await store;
      const p = fresh();
      const { lease } = await s.claim(p);
      const put = Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`k${i}`, `v${i}`]));
      await s.save(lease, { put: new Map(Object.entries(put)), del: [] }, "1");
      await s.save(lease, { put: new Map(Object.entries({ z: "1" })), del: Object.keys(put).slice(0, 7_000) }, "2");
      const { checkpoint } = await s.claim(p);
      expect(Object.keys(checkpoint.records).length).toBe(5_001);
      expect(checkpoint.records.k11999).toBe("v11999");
      expect(checkpoint.records.k0).toBeUndefined();
    });
  });
}
