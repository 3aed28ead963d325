// Test support only: a real S3-protocol server (@20minutes/s3rver, the maintained fork of
// s3rver) on an ephemeral loopback port, with its data in a temp folder. It verifies SigV4
// signatures of headers and presigned URLs, so a wrong secret is refused as S3 refuses it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../src/config.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  store: { listObjects(bucket: string, opts: Record<string, unknown>): Promise<{ objects: { key: string }[] }> };
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverClass;

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** OPENSOUL_S3_* settings for one of its buckets (path style, as MinIO and R2 are used). */
  settings(bucket: string, prefix?: string): S3Settings;
  /** The object's bytes read behind the app's back, or undefined when it is not there. */
  object(bucket: string, key: string): Promise<Buffer | undefined>;
  /** Every key in the bucket, read from the server's own store (its SigV4 check refuses the SDK's list requests). */
  keys(bucket: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startS3Server(opts: { buckets: string[] }): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  // s3rver's one built-in account.
  const accessKeyId = 'S3RVER';
  const secretAccessKey = 'S3RVER';
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const reader = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    settings: (bucket, prefix = '') => ({
      bucket,
      endpoint,
      region,
      credentials: { accessKeyId, secretAccessKey, sessionToken: null },
      forcePathStyle: true,
      prefix,
    }),
    async object(bucket, key) {
      try {
        const r = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } catch (e) {
        if ((e as Error).name === 'NoSuchKey') return undefined;
        throw e;
      }
    },
    async keys(bucket) {
      return (await server.store.listObjects(bucket, {})).objects.map((o) => o.key);
    },
    async close() {
      reader.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
