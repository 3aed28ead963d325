import fs from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.js';
import { secretsRepo } from '../store/repos/secrets.js';

export interface MediaSecretSettings {
  dataDir: string;
  /** OPENSOUL_MEDIA_SECRET; empty = the secret file in the data dir. */
  mediaSecret: string;
}

/** A start-up failure about the media secret: URLs signed elsewhere would fail here, silently. */
export class MediaSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaSecretError';
  }
}

const SAME_EVERYWHERE =
  'every API and worker process sharing this database must sign media and upload URLs with the same secret: set OPENSOUL_MEDIA_SECRET to one value everywhere (e.g. the contents of the media-secret file of the process that started first)';

/** A short public name of the secret and the check the database keeps (HMACs: neither reveals it). */
export function mediaSecretCheck(secret: string): { keyId: string; check: string } {
  return {
    keyId: createHmac('sha256', secret).update('opensoul media secret id').digest('hex').slice(0, 12),
    check: createHmac('sha256', secret).update('opensoul media secret check').digest('base64url'),
  };
}

/** Reads the secret file, keeping it private to this user (an older version may have left it wider). */
function readSecretFile(file: string): string {
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 16)
    throw new MediaSecretError(`${file} does not hold a media secret (at least 16 characters); restore it or set OPENSOUL_MEDIA_SECRET`);
  return secret;
}

/**
 * The secret that signs media and upload URLs: OPENSOUL_MEDIA_SECRET, else `<dataDir>/media-secret`
 * (0600, made on the first start of a database that has no check of one). Like the data key
 * (src/services/data-key.ts), the database keeps a keyed check of the secret, so a process whose
 * secret differs (another machine that made its own) stops here instead of answering 403 to
 * every URL another process signed.
 */
export async function openMediaSecret(s: MediaSecretSettings, db: Db): Promise<string> {
  const repo = secretsRepo(db);
  let recorded = await repo.keyCheck('media');
  const file = path.join(s.dataDir, 'media-secret');
  let secret: string;
  let source: string;
  if (s.mediaSecret) {
    secret = s.mediaSecret;
    source = 'OPENSOUL_MEDIA_SECRET';
  } else if (fs.existsSync(file)) {
    secret = readSecretFile(file);
    source = file;
  } else if (recorded) {
    throw new MediaSecretError(
      `this database's media and upload URLs are signed with media secret ${recorded.key_id}, but OPENSOUL_MEDIA_SECRET is not set and ${file} does not exist: ` +
        `copy that file here from the machine that made it, or set OPENSOUL_MEDIA_SECRET (${SAME_EVERYWHERE})`,
    );
  } else {
    secret = randomBytes(32).toString('hex');
    fs.mkdirSync(s.dataDir, { recursive: true, mode: 0o700 });
    // wx: a process starting beside this one on the same data dir may have just written it; then use theirs.
    try {
      fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      secret = readSecretFile(file);
    }
    source = file;
  }
  const mine = mediaSecretCheck(secret);
  if (!recorded) {
    await repo.recordKeyCheck(mine.keyId, mine.check, 'media');
    recorded = await repo.keyCheck('media');
  }
  const ok =
    recorded &&
    recorded.key_check.length === mine.check.length &&
    timingSafeEqual(Buffer.from(recorded.key_check), Buffer.from(mine.check));
  if (!ok) {
    throw new MediaSecretError(
      `media secret ${mine.keyId} (from ${source}) is not the secret this database's media and upload URLs are signed with (${recorded?.key_id}); ${SAME_EVERYWHERE}`,
    );
  }
  return secret;
}
