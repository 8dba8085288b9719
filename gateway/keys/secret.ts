/**
 * API key secrets: `fgk_<key id>_<random>`. The id is public (it names the key in logs and in
 * `keys revoke`); the whole secret is shown once and stored only as a SHA-256 hash. A fast hash
 * is right here: the secret has 256 random bits, so there is nothing to brute-force.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";

const SECRET = /^fgk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function newSecret(): { id: string; secret: string } {
  const id = randomBytes(8).toString("hex");
  return { id, secret: `fgk_${id}_${randomBytes(32).toString("base64url")}` };
}

// Bun's one-shot SHA-256: a tenth of the cost of node:crypto's createHash on every request.
export const hashSecret = (secret: string): string => Bun.SHA256.hash(secret, "hex");

/** The key id a secret claims, or undefined when it is not shaped like one of ours. */
export function keyIdOf(secret: string): string | undefined {
  return SECRET.exec(secret)?.[1];
}

/** `hash`: the stored hash's bytes (`Buffer.from(key.hash, "hex")`), decoded once by the caller's cache. */
export function hashMatches(secret: string, hash: Uint8Array): boolean {
  const actual = Bun.SHA256.hash(secret);
  return actual.length === hash.length && timingSafeEqual(actual, hash);
}
