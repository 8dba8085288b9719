import { expect, test } from "bun:test";
import { objectStoreContract } from "./object-store.contract.ts";
import { createS3ObjectStore } from "./s3-object-store.ts";
import { freshS3Bucket, freshS3Store } from "../../test/support/store/test-stores.ts";

objectStoreContract("s3 (MinIO)", freshS3Store);

test("s3 store: an object larger than one part goes up as a multipart upload, a small one as one PUT", async () => {
  const partSize = 5 * 1024 * 1024;
  const { store, etag } = await freshS3Bucket({ partSize });
  const big = new Uint8Array(2 * partSize + 1234);
  for (let i = 0; i < big.length; i += 65_536) big.set(crypto.getRandomValues(new Uint8Array(Math.min(65_536, big.length - i))), i);
  await store.put("big/multipart.bin", big);
  await store.put("big/single.bin", big.subarray(0, 1000));
  // S3 (and MinIO) give a multipart object the ETag "<md5 of the parts' md5s>-<part count>".
  expect(await etag("big/multipart.bin")).toMatch(/-3"?$/);
  expect(await etag("big/single.bin")).not.toContain("-");
  expect(Bun.hash(await store.get("big/multipart.bin"))).toBe(Bun.hash(big));
});

test("s3 store: prepare fails with the reason when the credentials are wrong", async () => {
  const { env } = await freshS3Bucket();
  const store = createS3ObjectStore({
    endpoint: env.FG_S3_ENDPOINT, bucket: env.FG_S3_BUCKET, region: env.FG_S3_REGION,
    accessKeyId: env.FG_S3_ACCESS_KEY, secretAccessKey: "wrong-secret", partSize: 8 * 1024 * 1024, queueSize: 1,
  });
  await expect(store.prepare()).rejects.toThrow(/creating bucket .* failed: HTTP 403/);
});
