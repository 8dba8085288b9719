/**
 * Webhook signatures: HMAC-SHA256 over the exact request body with the sink's secret, sent as
 * `X-Fluxgate-Signature: sha256=<hex>` (GitHub's convention, which receivers already know how
 * to check). Receivers must compare in constant time; verifySignature does.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-fluxgate-signature";

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function verifySignature(secret: string, body: string, header: string | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
