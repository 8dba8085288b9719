import { describe, expect, test } from "bun:test";
import { appOf, ENGINE_META, legacyWindowMetaName, patternEventPrefix, patternGroupPrefix, recordKeyOf, ruleMetaName, windowGroupPrefix, windowMetaName } from "./records.ts";

const key = JSON.stringify(["shop", "u:1"]);

describe("record names", () => {
  test("every keyed record names its group key, whatever its kind", () => {
    expect(recordKeyOf(windowGroupPrefix("w.a") + key)).toBe(key);
    expect(recordKeyOf(`p:p.a:k:${key}`)).toBe(key);
    // The sequence number of an event or start group is not part of the key.
    expect(recordKeyOf(`${patternEventPrefix("p.a")}17:${key}`)).toBe(key);
    expect(recordKeyOf(`${patternGroupPrefix("p.a")}17:${key}`)).toBe(key);
  });

  test("metas belong to no key", () => {
    for (const name of [ENGINE_META, ruleMetaName("w.a"), windowMetaName("w.a", "shop"), legacyWindowMetaName("w.a")]) expect(recordKeyOf(name)).toBeNull();
  });

  test("the app of a record is its key's first value, or a window meta's suffix", () => {
    expect(appOf(`${patternGroupPrefix("p.a")}3:${key}`)).toBe("shop");
    expect(appOf(windowGroupPrefix("w.a") + key)).toBe("shop");
    expect(appOf(windowMetaName("w.a", "bank"))).toBe("bank");
    expect(appOf(ruleMetaName("w.a"))).toBeNull();
  });
});
