/** Where media bytes live. The filesystem store is the embedded default; S3 plugs in beside it. */
export interface BlobStore {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Cheap probe for /readyz. */
  check(): Promise<void>;
  /**
   * A URL that fetches the object directly until it expires; only stores that can serve clients
   * themselves (S3) have it, so the media GET can redirect instead of proxying the bytes.
   */
  presignGet?(key: string, expiresSeconds: number): Promise<string>;
}
