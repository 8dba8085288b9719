import { expect, test } from "bun:test";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { decodeEnvelopes } from "../parquet/decode.ts";
import { archiveSinkContract } from "./archive-sink.contract.ts";
import { createArchiveSink } from "./index.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { freshBucketName, freshS3Bucket, freshS3Store, s3TestEnv, writeThroughArchiveSink } from "../../test/support/store/test-stores.ts";

archiveSinkContract("s3 (MinIO)", freshS3Store);

test("archive sink on S3: a large file goes up as a multipart upload and reads back whole", async () => {
  const { store, etag } = await freshS3Bucket({ partSize: 5 * 1024 * 1024 });
  const sink = writeThroughArchiveSink(store, createLogger("error"), 4);
  // Random padding defeats Snappy, so 40,000 events make a file of over two 5 MiB parts.
  const events = sampleEvents(40_000, { stepMs: 50, padding: 200 });
  await sink.write(events);
  const [file, ...rest] = await store.list("events/");
  expect(rest).toEqual([]);
  expect(file!.size).toBeGreaterThan(10 * 1024 * 1024);
  expect(await etag(file!.key)).toMatch(/-\d+"?$/);
  expect((await decodeEnvelopes(await store.get(file!.key))).length).toBe(40_000);
}, 30_000);

test("createArchiveSink(env) archives to S3 when FG_S3_ENDPOINT is set, creating the bucket", async () => {
  const env = { ...s3TestEnv(freshBucketName()), FG_DATA_DIR: "/nonexistent" };
  const sink = createArchiveSink(env, createLogger("error"));
  await sink.prepare();
  await sink.write(sampleEvents(3));
  await sink.close(); // the spool is rolled into events/ at the latest when the sink stops
  const listing = await new Bun.S3Client({
    endpoint: env.FG_S3_ENDPOINT, bucket: env.FG_S3_BUCKET, accessKeyId: env.FG_S3_ACCESS_KEY, secretAccessKey: env.FG_S3_SECRET_KEY,
  }).list({ prefix: "events/" });
  expect(listing.contents?.length).toBe(1);
});
