import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { hashMatches, hashSecret, keyIdOf, newSecret } from "./secret.ts";

test("a secret carries its public key id and 256 random bits; only its SHA-256 is kept", () => {
  const { id, secret } = newSecret();
  expect(secret).toMatch(/^fgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  expect(keyIdOf(secret)).toBe(id);
  expect(newSecret().secret).not.toBe(secret);
  const hash = hashSecret(secret);
  expect(hash).toBe(createHash("sha256").update(secret).digest("hex"));
  expect(hash).not.toContain(secret.slice(21));
});

test("a hash matches its secret only; malformed secrets name no key", () => {
  const { secret } = newSecret();
  const hash = Buffer.from(hashSecret(secret), "hex");
  expect(hashMatches(secret, hash)).toBe(true);
  expect(hashMatches(newSecret().secret, hash)).toBe(false);
  expect(hashMatches(secret, Buffer.from("abc"))).toBe(false);
  expect(keyIdOf("fgk_short_x")).toBeUndefined();
  expect(keyIdOf("Bearer something")).toBeUndefined();
});
