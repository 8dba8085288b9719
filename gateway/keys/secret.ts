/**
 * API key secrets: `fgk_<key id>_<random>`. The id is public (it names the key in logs and in
 * `keys revoke`); the whole secret is shown once and stored only as a SHA-256 hash. A fast hash
 * is right here: the secret has 256 random bits, so there is nothing to brute-force.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const SECRET = /^fgk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function newSecret(): { id: string; secret: string } {
  const id = randomBytes(8).toString("hex");
  return { id, secret: `fgk_${id}_${randomBytes(32).toString("base64url")}` };
}

export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** The key id a secret claims, or undefined when it is not shaped like one of ours. */
export function keyIdOf(secret: string): string | undefined {
  return SECRET.exec(secret)?.[1];
}

export function hashMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
