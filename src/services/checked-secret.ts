import fs from 'node:fs';
import path from 'node:path';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.js';
import { type KeyPurpose, secretsRepo } from '../store/repos/secrets.js';

/** A start-up failure about a shared secret: the process must not run with one the others do not share. */
export class SecretCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretCheckError';
  }
}

/** A short public name of a secret and the check the database keeps (HMACs under it: neither reveals it). */
export function secretCheck(secret: Buffer | string, label: string): { keyId: string; check: string } {
  return {
    keyId: createHmac('sha256', secret).update(`opensoul ${label} id`).digest('hex').slice(0, 12),
    check: createHmac('sha256', secret).update(`opensoul ${label} check`).digest('base64url'),
  };
}

export interface CheckedSecretSpec<T> {
  purpose: KeyPurpose;
  /** What the secret is called in messages and in its check's HMAC text: `data key`, `media secret`. */
  label: string;
  /** `key` or `secret`, for "is not the key this database's…". */
  noun: string;
  /** What it guards, completing "this database's …": `webhook secrets are sealed with`. */
  guards: string;
  envName: string;
  /** The environment's value; null or empty = the file in the data dir. */
  envValue: string | null;
  dataDir: string;
  fileName: string;
  /** What to do when the database has a check but the file is gone. */
  restoreHint: string;
  sameEverywhere: string;
  /** Parses the environment's value or the file's text; throws a SecretCheckError naming what is wrong. */
  parse(text: string, source: string): T;
  /** A new secret and the text its file holds. */
  generate(): { value: T; text: string };
  /** The bytes or text the check is an HMAC under. */
  material(value: T): Buffer | string;
}

/** Reads a secret file, keeping it private to this user (an older version may have left it wider). */
function readPrivateFile(file: string): string {
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return fs.readFileSync(file, 'utf8');
}

/**
 * A secret every process sharing the database must hold: the environment's value, else the file
 * in the data dir (0600, made on the first start of a database that has no check of one). The
 * database keeps a keyed check of it (first writer wins), so a process with a different or lost
 * secret stops here with a clear message instead of failing every request that needs it later.
 */
export async function openCheckedSecret<T>(spec: CheckedSecretSpec<T>, db: Db): Promise<T> {
  const repo = secretsRepo(db);
  let recorded = await repo.keyCheck(spec.purpose);
  const file = path.join(spec.dataDir, spec.fileName);
  let value: T;
  let source: string;
  if (spec.envValue) {
    value = spec.parse(spec.envValue, spec.envName);
    source = spec.envName;
  } else if (fs.existsSync(file)) {
    value = spec.parse(readPrivateFile(file), file);
    source = file;
  } else if (recorded) {
    throw new SecretCheckError(
      `this database's ${spec.guards} ${spec.label} ${recorded.key_id}, but ${spec.envName} is not set and ${file} does not exist: ` +
        `${spec.restoreHint}, or set ${spec.envName} (${spec.sameEverywhere})`,
    );
  } else {
    const made = spec.generate();
    value = made.value;
    fs.mkdirSync(spec.dataDir, { recursive: true, mode: 0o700 });
    // wx: a process starting beside this one on the same data dir may have just written it; then use theirs.
    try {
      fs.writeFileSync(file, made.text + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      value = spec.parse(readPrivateFile(file), file);
    }
    source = file;
  }
  const mine = secretCheck(spec.material(value), spec.label);
  if (!recorded) {
    await repo.recordKeyCheck(mine.keyId, mine.check, spec.purpose);
    recorded = await repo.keyCheck(spec.purpose);
  }
  const ok =
    recorded &&
    recorded.key_check.length === mine.check.length &&
    timingSafeEqual(Buffer.from(recorded.key_check), Buffer.from(mine.check));
  if (!ok) {
    throw new SecretCheckError(
      `${spec.label} ${mine.keyId} (from ${source}) is not the ${spec.noun} this database's ${spec.guards} (${recorded?.key_id}); ${spec.sameEverywhere}`,
    );
  }
  return value;
}
