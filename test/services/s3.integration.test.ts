/** The local stack's S3 server (MinIO) supports what the archive needs: put, list, get, multipart. */
import { expect, test } from "bun:test";
import { S3Client } from "bun";
import { AwsClient } from "aws4fetch";
import { requireEnv, uniqueName } from "../support/services.ts";

const s3 = new S3Client({
  endpoint: requireEnv("FG_S3_ENDPOINT"),
  accessKeyId: requireEnv("FG_S3_ACCESS_KEY"),
  secretAccessKey: requireEnv("FG_S3_SECRET_KEY"),
  bucket: process.env.FG_S3_BUCKET ?? "fluxgate",
  region: "us-east-1",
});

async function ensureBucket(): Promise<void> {
  // Bun's client has no CreateBucket: a SigV4-signed PUT on the bucket path does it (409: it exists).
  const signer = new AwsClient({ accessKeyId: requireEnv("FG_S3_ACCESS_KEY"), secretAccessKey: requireEnv("FG_S3_SECRET_KEY"), service: "s3", region: "us-east-1" });
  const res = await signer.fetch(`${requireEnv("FG_S3_ENDPOINT")}/${process.env.FG_S3_BUCKET ?? "fluxgate"}`, { method: "PUT" });
  expect([200, 409]).toContain(res.status);
}

test("put, list (ListObjectsV2), get and a multipart upload", async () => {
  await ensureBucket();
  const prefix = `test/${uniqueName("svc")}/`;
  await s3.write(`${prefix}small.txt`, "hello");
  const big = Buffer.alloc(12 * 1024 * 1024, 7);
  const writer = s3.file(`${prefix}big.bin`).writer({ partSize: 5 * 1024 * 1024, retry: 2 });
  for (let i = 0; i < big.length; i += 1024 * 1024) writer.write(big.subarray(i, i + 1024 * 1024));
  await writer.end();

  const listed = await s3.list({ prefix });
  expect((listed.contents ?? []).map((o) => o.key).sort()).toEqual([`${prefix}big.bin`, `${prefix}small.txt`]);
  expect(await s3.file(`${prefix}small.txt`).text()).toBe("hello");
  const back = Buffer.from(await s3.file(`${prefix}big.bin`).arrayBuffer());
  expect(back.length).toBe(big.length);
  expect(back.equals(big)).toBe(true);
  await Promise.all([s3.delete(`${prefix}small.txt`), s3.delete(`${prefix}big.bin`)]);
});
