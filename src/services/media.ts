import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { MediaRef } from '../domain/job.js';
import type { StoredBlob } from '../domain/media.js';
import { DomainError } from '../domain/errors.js';
import { bounded } from '../domain/echo.js';
import { MEDIA_EXT } from '../domain/output-keys.js';
import { inspectImage, ImageRejectedError } from '../net/image-guard.js';
import { safeFetch, SafeFetchError } from '../net/safe-fetch.js';
import { signMediaPath, verifyMediaSignature } from '../net/signed-url.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Db } from '../store/db.js';
import { mediaRepo } from '../store/repos/media.js';
import type { ModerationRecord } from '../domain/moderation.js';
import { type ModerationService, refusalReason } from './moderation.js';

const EXT = MEDIA_EXT;
export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
/** Lifetime of the presigned bucket URL a media GET redirects to (OPENSOUL_S3_REDIRECT). */
const REDIRECT_TTL_S = 300;

/** Upload tokens are stored hashed: the database alone never holds a usable upload URL. */
const slotId = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Media in and out: outputs and uploads in the blob store, signed expiring URLs, and the one
 * way user-supplied image URLs become bytes (own media locally, the rest via the SSRF-safe fetcher).
 */
export class MediaService {
  private readonly repo;

  constructor(
    db: Db,
    private readonly store: BlobStore,
    private readonly config: Config,
    private readonly baseUrl: () => string,
    /** Classifies uploads as they arrive when its input mode is flag or block; null = not classified. */
    private readonly moderation: ModerationService | null = null,
  ) {
    this.repo = mediaRepo(db);
  }

  newKey(accountId: string, kind: string, contentType: string): string {
    return `${accountId}/${kind}/${randomUUID()}.${EXT[contentType] ?? 'bin'}`;
  }

  async put(
    accountId: string,
    kind: 'upload' | 'output' | 'character' | 'cache',
    blob: StoredBlob,
    retentionS: number | null,
    key?: string,
    moderation?: ModerationRecord | null,
  ): Promise<MediaRef> {
    const k = key ?? this.newKey(accountId, kind, blob.contentType);
    await this.store.put(k, blob.bytes, blob.contentType);
    await this.repo.insert({
      moderation: moderation ? JSON.stringify(moderation) : null,
      key: k,
      account_id: accountId,
      kind,
      content_type: blob.contentType,
      size: blob.bytes.length,
      width: blob.width ?? null,
      height: blob.height ?? null,
      expires_at: retentionS === null ? null : new Date(Date.now() + retentionS * 1000).toISOString(),
    });
    return { type: blob.type, key: k, contentType: blob.contentType, width: blob.width, height: blob.height };
  }

  /**
   * Absolute, HMAC-signed, expiring URL of a stored blob. The expiry is rounded up to a whole
   * step (a tenth of the lifetime, at most a minute), so every poll and list within that step
   * renders the same URL and browsers reuse what they already downloaded.
   */
  url(key: string): string {
    const ttlMs = this.config.mediaUrlTtlS * 1000;
    const stepMs = Math.min(60_000, Math.max(1000, Math.floor(ttlMs / 10)));
    const expiresAt = new Date(Math.ceil((Date.now() + ttlMs) / stepMs) * stepMs);
    return this.baseUrl() + signMediaPath(`/media/${key}`, { secret: this.config.mediaSecret, expiresAt });
  }

  /**
   * GET /media/*: signature first, then existence; deleted-by-retention answers 410. With
   * OPENSOUL_S3_REDIRECT and a store that can presign, the answer is a redirect to the bucket
   * instead of the bytes; every check above still runs here first.
   */
  async serve(
    key: string,
    query: Record<string, string | undefined>,
  ): Promise<{ bytes: Buffer; contentType: string } | { redirect: string }> {
    const now = new Date();
    const verdict = verifyMediaSignature(`/media/${key}`, query, this.config.mediaSecret, now);
    if (verdict === 'expired') throw new DomainError('gone', 'This link has expired');
    if (verdict !== 'ok') throw new DomainError('not_found', 'Not found');
    const row = await this.repo.get(key);
    if (!row) throw new DomainError('not_found', 'Not found');
    if (row.deleted_at) throw new DomainError('gone', 'This media has been deleted after its retention period');
    if (this.config.s3Redirect && this.store.presignGet) {
      // Short-lived, and never outliving our own URL: the bucket URL is a bearer credential that
      // bypasses the expiry and retention checks above. 'ok' means exp is digits and in the future.
      const remainingS = Math.floor((Number(query.exp) * 1000 - now.getTime()) / 1000);
      return { redirect: await this.store.presignGet(key, Math.max(1, Math.min(REDIRECT_TTL_S, remainingS))) };
    }
    const bytes = await this.store.get(key);
    if (!bytes) throw new DomainError('gone', 'This media is no longer available');
    return { bytes, contentType: row.content_type };
  }

  /** `maxBytes`: a size the client declared for the file; the PUT refuses more (null = global limit only). */
  async createUploadSlot(
    accountId: string,
    contentType: string,
    maxBytes: number | null = null,
  ): Promise<{ upload_url: string; public_url: string; content_type: string }> {
    if (!(UPLOAD_TYPES as readonly string[]).includes(contentType)) {
      throw new DomainError('bad_input', `content_type must be one of ${UPLOAD_TYPES.join(', ')}`);
    }
    const token = randomBytes(24).toString('base64url');
    const key = this.newKey(accountId, 'upload', contentType);
    const expiresAt = new Date(Date.now() + 3600_000);
    await this.repo.insertSlot({
      token: slotId(token),
      accountId,
      mediaKey: key,
      contentType,
      expiresAt: expiresAt.toISOString(),
      maxBytes,
    });
    const uploadPath = signMediaPath(`/uploads/${token}`, { secret: this.config.mediaSecret, expiresAt });
    return { upload_url: this.baseUrl() + uploadPath, public_url: this.url(key), content_type: contentType };
  }

  /** The signed PUT: bytes are sniffed and limited; the declared type must match what they are. */
  async acceptUpload(token: string, query: Record<string, string | undefined>, bytes: Buffer): Promise<MediaRef> {
    const verdict = verifyMediaSignature(`/uploads/${token}`, query, this.config.mediaSecret, new Date());
    if (verdict === 'expired') throw new DomainError('gone', 'This upload URL has expired');
    if (verdict !== 'ok') throw new DomainError('not_found', 'Not found');
    // Slots made before tokens were hashed (at most an hour old) are stored under the token itself.
    const slot = (await this.repo.getSlot(slotId(token))) ?? (await this.repo.getSlot(token));
    if (!slot) throw new DomainError('not_found', 'Not found');
    // Before useSlot: a too-large body leaves the URL usable for the right file.
    if (slot.max_bytes !== null && bytes.length > Number(slot.max_bytes)) {
      throw new DomainError('payload_too_large', `Request body is too large: this upload URL accepts at most ${slot.max_bytes} bytes`);
    }
    const info = await this.inspect(bytes);
    // Before useSlot too: a refused image leaves the URL usable for another file.
    const review = await this.reviewUpload(bytes);
    if (!(await this.repo.useSlot(slot.token))) throw new DomainError('conflict', 'This upload URL has already been used');
    return this.put(
      slot.account_id,
      'upload',
      { bytes, contentType: info.contentType, type: 'image', width: info.width, height: info.height },
      this.config.outputRetentionS,
      slot.media_key,
      review,
    );
  }

  /** Direct upload (WaveSpeed's multipart and similar). */
  async upload(accountId: string, bytes: Buffer): Promise<MediaRef> {
    const info = await this.inspect(bytes);
    const review = await this.reviewUpload(bytes);
    return this.put(
      accountId,
      'upload',
      { bytes, contentType: info.contentType, type: 'image', width: info.width, height: info.height },
      this.config.outputRetentionS,
      undefined,
      review,
    );
  }

  /**
   * Input moderation of an upload, before anything is stored: under block a crossing image is
   * refused (400 in the caller's dialect, nothing stored); under flag its scores are kept with it.
   * A classifier that cannot run refuses the upload rather than storing it unreviewed.
   */
  private async reviewUpload(bytes: Buffer): Promise<ModerationRecord | null> {
    if (!this.moderation?.checksInputs) return null;
    let review: ModerationRecord;
    try {
      review = await this.moderation.reviewInput(bytes);
    } catch {
      throw new DomainError('unavailable', 'Content moderation could not check the image, so it was not stored; try again later');
    }
    if (review.verdict === 'blocked')
      throw new DomainError('bad_input', `The image was refused by content moderation (${refusalReason(review)}) and was not stored`, {
        moderation: review,
      });
    return review;
  }

  async inspect(bytes: Buffer) {
    try {
      return await inspectImage(bytes, { maxBytes: this.config.uploadMaxBytes, maxPixels: this.config.uploadMaxPixels });
    } catch (e) {
      if (e instanceof ImageRejectedError) {
        throw new DomainError(e.code === 'too_large' ? 'payload_too_large' : 'bad_input', e.message);
      }
      throw e;
    }
  }

  /** Key of one of this server's media URLs, or null for a foreign URL. */
  ownKey(url: string): string | null {
    const base = this.baseUrl();
    if (!url.startsWith(base + '/media/')) return null;
    const u = new URL(url);
    try {
      return decodeURIComponent(u.pathname.slice('/media/'.length));
    } catch {
      // No key we issue decodes badly, so this names no stored file.
      throw new DomainError('bad_input', `Image URL is malformed (invalid percent-encoding in its path): ${bounded(url)}`);
    }
  }

  /**
   * Bytes of a user-supplied image URL with size and pixel limits. Own media never takes an HTTP
   * round trip and is only readable by the account that owns it.
   */
  async loadImage(url: string, accountId: string, signal?: AbortSignal): Promise<Buffer> {
    const own = this.ownKey(url);
    let bytes: Buffer;
    if (own !== null) {
      const row = await this.repo.get(own);
      if (!row || row.account_id !== accountId || row.deleted_at) throw new DomainError('bad_input', `Image not found: ${bounded(url)}`);
      const b = await this.store.get(own);
      if (!b) throw new DomainError('bad_input', `Image not found: ${bounded(url)}`);
      bytes = b;
    } else {
      try {
        const res = await safeFetch(url, {
          maxBytes: this.config.uploadMaxBytes,
          timeoutMs: this.config.fetchTimeoutMs,
          allowPrivate: this.config.allowPrivateUrls,
          allowedHosts: this.config.allowedFetchHosts,
          signal,
        });
        bytes = res.bytes;
      } catch (e) {
        if (e instanceof SafeFetchError) throw new DomainError('bad_input', `Could not fetch image ${bounded(url)}: ${e.message}`);
        throw e;
      }
    }
    await this.inspect(bytes);
    return bytes;
  }

  /** Retention sweeper: delete expired blobs; their URLs then answer 410. */
  async sweep(): Promise<number> {
    const rows = await this.repo.expired();
    for (const r of rows) {
      await this.store.delete(r.key);
      await this.repo.markDeleted(r.key);
    }
    return rows.length;
  }

  /** Stored size in bytes, or null when the blob is unknown. */
  async size(key: string): Promise<number | null> {
    const row = await this.repo.get(key);
    return row ? Number(row.size) : null;
  }

  /** Bytes of a blob the account owns (null when missing, deleted or foreign). */
  async readOwn(key: string, accountId: string): Promise<Buffer | null> {
    const row = await this.repo.get(key);
    if (!row || row.account_id !== accountId || row.deleted_at) return null;
    return this.store.get(key);
  }

  async deleteKeys(keys: string[]) {
    for (const k of keys) {
      await this.store.delete(k);
      await this.repo.markDeleted(k);
    }
  }
}
