/**
 * The object-store port under the archive: just what Hive-partitioned Parquet needs. Adapters:
 * s3-object-store.ts (any S3-compatible service) and fs-object-store.ts (the embedded default,
 * files under FG_DATA_DIR/archive). Both pass object-store.contract.ts.
 */
export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  readonly kind: "s3" | "fs";
  /** Creates the bucket or directory if it does not exist (idempotent). */
  prepare(): Promise<void>;
  /** Resolves once the object is durable; an existing object of that key is replaced whole. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** Rejects with ObjectNotFoundError when there is no such object. */
  get(key: string): Promise<Uint8Array>;
  /** Every object whose key starts with prefix, in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** The "directories" right below prefix (which ends in "/"): full prefixes ending in "/", in key order. */
  listDirs(prefix: string): Promise<string[]>;
  /** Deletes the objects; keys that do not exist are not an error. */
  delete(keys: readonly string[]): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
  constructor(readonly key: string) {
    super(`no object ${key}`);
  }
}
