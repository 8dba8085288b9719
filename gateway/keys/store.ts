/** The key store port: Postgres in production, a JSON file on embedded defaults; one contract suite. */

export interface ApiKey {
  id: string;
  app_id: string;
  name: string;
  /** SHA-256 of the secret, hex. */
  hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface KeyStore {
  add(key: ApiKey): Promise<void>;
  get(id: string): Promise<ApiKey | undefined>;
  /** Marks the key revoked; false when there is no such key or it was revoked already. */
  revoke(id: string, at: Date): Promise<boolean>;
  list(appId?: string): Promise<ApiKey[]>;
  close(): Promise<void>;
}
