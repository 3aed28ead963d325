/** Where media bytes live. The filesystem store is the embedded default; S3 plugs in beside it. */
export interface BlobStore {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Cheap probe for /readyz. */
  check(): Promise<void>;
}
