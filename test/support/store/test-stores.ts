/**
 * Test support: object stores no other test shares — a fresh MinIO bucket (from the FG_S3_*
 * variables the test command exports) or a fresh temporary directory.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireEnv, uniqueName } from "../services.ts";
import type { Logger } from "../../../infra/telemetry/logger.ts";
import type { Sink } from "../../../store/sink.ts";
import { createParquetArchiveSink } from "../../../store/s3/archive-sink.ts";
import { createFsObjectStore } from "../../../store/s3/fs-object-store.ts";
import type { ObjectStore } from "../../../store/s3/object-store.ts";
import { createS3ObjectStore, type S3ObjectStoreOptions } from "../../../store/s3/s3-object-store.ts";

/** Bucket names allow lowercase letters, digits, dots and hyphens only. */
export const freshBucketName = (): string => uniqueName("fg-test").toLowerCase().replace(/_/g, "-");

export function s3TestEnv(bucket: string) {
  return {
    FG_S3_ENDPOINT: requireEnv("FG_S3_ENDPOINT"),
    FG_S3_ACCESS_KEY: requireEnv("FG_S3_ACCESS_KEY"),
    FG_S3_SECRET_KEY: requireEnv("FG_S3_SECRET_KEY"),
    FG_S3_BUCKET: bucket,
    FG_S3_REGION: "us-east-1",
  };
}

export interface S3TestBucket {
  store: ObjectStore;
  env: ReturnType<typeof s3TestEnv>;
  /** The ETag S3 reports for a key: multipart uploads end in "-<part count>". */
  etag(key: string): Promise<string | undefined>;
}

export async function freshS3Bucket(overrides: Partial<S3ObjectStoreOptions> = {}): Promise<S3TestBucket> {
  const env = s3TestEnv(freshBucketName());
  const options = {
    endpoint: env.FG_S3_ENDPOINT, bucket: env.FG_S3_BUCKET, region: env.FG_S3_REGION,
    accessKeyId: env.FG_S3_ACCESS_KEY, secretAccessKey: env.FG_S3_SECRET_KEY,
    partSize: 8 * 1024 * 1024, queueSize: 4, ...overrides,
  };
  const store = createS3ObjectStore(options);
  await store.prepare();
  const client = new Bun.S3Client({ ...options, virtualHostedStyle: false });
  const etag = async (key: string) => (await client.list({ prefix: key })).contents?.find((o) => o.key === key)?.eTag;
  return { store, env, etag };
}

export const freshS3Store = async (): Promise<ObjectStore> => (await freshS3Bucket()).store;

export const freshDataDir = (): string => mkdtempSync(join(tmpdir(), "fg-archive-"));

export async function freshFsStore(): Promise<ObjectStore> {
  const store = createFsObjectStore(join(freshDataDir(), "archive"));
  await store.prepare();
  return store;
}

/**
 * An archive sink whose every write reaches `events/` before it resolves (rolled at once), for
 * tests of what the archive holds; the file policy itself is tested in roll.test.ts.
 */
export function writeThroughArchiveSink(store: ObjectStore, logger: Logger, uploadConcurrency = 4): Sink {
  const sink = createParquetArchiveSink({
    store, uploadConcurrency, logger,
    files: { maxRows: 1, maxBytes: 1, maxAgeMs: 0, minAgeMs: 0 },
    spool: { minRows: 1, intervalMs: 0 },
    rollCheckMs: 3_600_000,
  });
  return {
    ...sink,
    async write(events) {
      await sink.write(events);
      await sink.rollAll();
    },
  };
}
