import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';
import { openCheckedSecret, SecretCheckError, secretCheck } from './checked-secret.js';

export interface MediaSecretSettings {
  dataDir: string;
  /** OPENSOUL_MEDIA_SECRET; empty = the secret file in the data dir. */
  mediaSecret: string;
}

/** A short public name of the secret and the check the database keeps (HMACs: neither reveals it). */
export function mediaSecretCheck(secret: string): { keyId: string; check: string } {
  return secretCheck(secret, 'media secret');
}

/**
 * The secret that signs media and upload URLs: OPENSOUL_MEDIA_SECRET, else `<dataDir>/media-secret`
 * (0600, made on the first start of a database that has no check of one). Like the data key
 * (src/services/data-key.ts), the database keeps a keyed check of the secret, so a process whose
 * secret differs (another machine that made its own) stops here instead of answering 403 to
 * every URL another process signed.
 */
export function openMediaSecret(s: MediaSecretSettings, db: Db): Promise<string> {
  return openCheckedSecret(
    {
      purpose: 'media',
      label: 'media secret',
      noun: 'secret',
      guards: 'media and upload URLs are signed with',
      envName: 'OPENSOUL_MEDIA_SECRET',
      envValue: s.mediaSecret,
      dataDir: s.dataDir,
      fileName: 'media-secret',
      restoreHint: 'copy that file here from the machine that made it',
      sameEverywhere:
        'every API and worker process sharing this database must sign media and upload URLs with the same secret: set OPENSOUL_MEDIA_SECRET to one value everywhere (e.g. the contents of the media-secret file of the process that started first)',
      parse(text, source) {
        if (source === 'OPENSOUL_MEDIA_SECRET') return text;
        const secret = text.trim();
        if (secret.length < 16)
          throw new SecretCheckError(
            `${source} does not hold a media secret (at least 16 characters); restore it or set OPENSOUL_MEDIA_SECRET`,
          );
        return secret;
      },
      generate() {
        const value = randomBytes(32).toString('hex');
        return { value, text: value };
      },
      material: (secret) => secret,
    },
    db,
  );
}
