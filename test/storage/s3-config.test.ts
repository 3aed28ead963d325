import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const keys = { OPENSOUL_S3_ACCESS_KEY_ID: 'AKIDOWN', OPENSOUL_S3_SECRET_ACCESS_KEY: 'own-secret' };

describe('OPENSOUL_S3_* configuration', () => {
  it('is off without a bucket', () => {
    expect(loadConfig({ ...keys }).s3).toBeNull();
  });

  it('defaults to AWS S3 in us-east-1 (the SDK picks the endpoint) with virtual-hosted addressing', () => {
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', ...keys }).s3).toEqual({
      bucket: 'b',
      endpoint: null,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret', sessionToken: null },
      forcePathStyle: false,
      prefix: '',
    });
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', OPENSOUL_S3_REGION: 'eu-west-3', ...keys }).s3?.region).toBe('eu-west-3');
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', AWS_REGION: 'ap-south-1' }).s3?.region).toBe('ap-south-1');
  });

  it('uses path style for a custom endpoint unless told otherwise, and normalises the prefix', () => {
    const env = { OPENSOUL_S3_BUCKET: 'b', OPENSOUL_S3_ENDPOINT: 'http://minio:9000/', OPENSOUL_S3_PREFIX: '/opensoul/media/', ...keys };
    expect(loadConfig(env).s3).toMatchObject({ endpoint: 'http://minio:9000', forcePathStyle: true, prefix: 'opensoul/media/' });
    expect(loadConfig({ ...env, OPENSOUL_S3_FORCE_PATH_STYLE: 'false' }).s3?.forcePathStyle).toBe(false);
  });

  it('without OPENSOUL_S3_* keys leaves credentials to the AWS default chain, and never gives own keys the AWS session token', () => {
    const aws = { AWS_ACCESS_KEY_ID: 'AKIDAWS', AWS_SECRET_ACCESS_KEY: 'aws-secret', AWS_SESSION_TOKEN: 'aws-token' };
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', ...aws }).s3?.credentials).toBeNull();
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b' }).s3?.credentials).toBeNull();
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', ...aws, ...keys }).s3?.credentials).toEqual({
      accessKeyId: 'AKIDOWN',
      secretAccessKey: 'own-secret',
      sessionToken: null,
    });
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', ...keys, OPENSOUL_S3_SESSION_TOKEN: 't' }).s3?.credentials?.sessionToken).toBe('t');
  });

  it('redirects media GETs to the bucket only when OPENSOUL_S3_REDIRECT is set', () => {
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', ...keys }).s3Redirect).toBe(false);
    expect(loadConfig({ OPENSOUL_S3_BUCKET: 'b', OPENSOUL_S3_REDIRECT: 'true', ...keys }).s3Redirect).toBe(true);
  });

  it('refuses half a key pair or a malformed endpoint', () => {
    expect(() => loadConfig({ OPENSOUL_S3_BUCKET: 'b', OPENSOUL_S3_ACCESS_KEY_ID: 'AKID' })).toThrow(/go together/);
    expect(() => loadConfig({ OPENSOUL_S3_BUCKET: 'b', OPENSOUL_S3_ENDPOINT: 'minio:9000', ...keys })).toThrow(/OPENSOUL_S3_ENDPOINT/);
  });
});
