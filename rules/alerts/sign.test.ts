import { expect, test } from "bun:test";
import { signBody, verifySignature } from "./sign.ts";

test("HMAC-SHA256 over the body, hex, sha256= prefix (RFC 4231-style known vector)", () => {
  expect(signBody("key", "The quick brown fox jumps over the lazy dog")).toBe(
    "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
  );
});

test("verification accepts the right secret and body only", () => {
  const body = JSON.stringify({ id: "a1" });
  const header = signBody("s3cret-s3cret-s3cret", body);
  expect(verifySignature("s3cret-s3cret-s3cret", body, header)).toBe(true);
  expect(verifySignature("other-secret-other", body, header)).toBe(false);
  expect(verifySignature("s3cret-s3cret-s3cret", `${body} `, header)).toBe(false);
  expect(verifySignature("s3cret-s3cret-s3cret", body, null)).toBe(false);
  expect(verifySignature("s3cret-s3cret-s3cret", body, "sha256=00")).toBe(false);
});
