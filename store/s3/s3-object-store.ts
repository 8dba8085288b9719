/**
 * The S3 adapter on Bun's built-in client (Bun.S3Client): signed requests, ListObjectsV2 and
 * multipart upload without the AWS SDK's weight, and path-style URLs, which MinIO and most
 * S3-compatible services want. Objects larger than one part go up as a multipart upload whose
 * parts are sent in parallel and retried one by one; a put resolves only after S3 has
 * acknowledged the complete object. Bun's client cannot create buckets, so prepare() sends the
 * one CreateBucket request itself, signed by aws4fetch.
 */
import { AwsClient } from "aws4fetch";
import { mapLimit } from "./map-limit.ts";
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from "./object-store.ts";

export interface S3ObjectStoreOptions {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Part size of multipart uploads; S3 requires at least 5 MiB for all parts but the last. */
  partSize: number;
  /** Parts of one upload in flight at once. */
  queueSize: number;
}

const isNoSuchKey = (err: unknown) => (err as { code?: string }).code === "NoSuchKey";

/** DeleteObject is one key per request in Bun's client; a few in flight keep retention quick. */
const DELETE_CONCURRENCY = 16;

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const client = new Bun.S3Client({
    endpoint: options.endpoint,
    bucket: options.bucket,
    region: options.region,
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    virtualHostedStyle: false,
  });

  async function listAll(prefix: string, delimiter?: string) {
    const objects: ObjectInfo[] = [];
    const dirs: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await client.list({ prefix, delimiter, continuationToken });
      for (const o of page.contents ?? []) objects.push({ key: o.key, size: o.size ?? 0 });
      for (const p of page.commonPrefixes ?? []) dirs.push(p.prefix);
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (continuationToken);
    return { objects, dirs };
  }

  return {
    kind: "s3",
    async prepare() {
      const aws = new AwsClient({
        accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, region: options.region, service: "s3",
      });
      const res = await aws.fetch(`${options.endpoint.replace(/\/$/, "")}/${options.bucket}`, { method: "PUT" });
      const body = await res.text();
      if (res.ok || body.includes("<Code>BucketAlreadyOwnedByYou</Code>")) return;
      throw new Error(`creating bucket ${options.bucket} failed: HTTP ${res.status} ${body.slice(0, 300)}`);
    },
    async put(key, body) {
      // The writer does a single PUT when the body fits in one part, else a multipart upload.
      const writer = client.file(key).writer({
        partSize: options.partSize, queueSize: options.queueSize, retry: 3, type: "application/octet-stream",
      });
      writer.write(body);
      await writer.end();
    },
    async get(key) {
      try {
        return await client.file(key).bytes();
      } catch (err) {
        if (isNoSuchKey(err)) throw new ObjectNotFoundError(key);
        throw err;
      }
    },
    async list(prefix) {
      return (await listAll(prefix)).objects;
    },
    async listDirs(prefix) {
      return (await listAll(prefix, "/")).dirs;
    },
    async delete(keys) {
      await mapLimit(keys, DELETE_CONCURRENCY, (key) => client.delete(key));
    },
  };
}
