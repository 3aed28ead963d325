import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { fromMilli, toMilli } from '../domain/pricing.js';
import { DomainError } from '../domain/errors.js';
import type { Db } from '../store/db.js';
import { accountsRepo } from '../store/repos/accounts.js';
import { ledgerRepo } from '../store/repos/ledger.js';
import type { SecretBox } from './secret-box.js';

export interface Principal {
  accountId: string;
  keyId: string;
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Verified key rows are reused this long; a revoke in another process takes effect within it. */
const KEY_CACHE_MS = 5_000;

export class AccountService {
  private readonly keyCache = new Map<string, { hash: string; accountId: string; revoked: boolean; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  /** A new account with one key; returns the only copy of the secret. */
  async createAccountWithKey(name: string, credits: number): Promise<{ accountId: string; keyId: string; secret: string }> {
    const accountId = randomUUID();
    return this.db.transaction().execute(async (trx) => {
      await accountsRepo(trx).create({
        id: accountId,
        name,
        webhookSecret: this.secrets.seal('whsec_' + randomBytes(24).toString('base64')),
      });
      if (credits > 0) await ledgerRepo(trx).apply({ accountId, deltaMilli: toMilli(credits), reason: 'grant', note: 'initial credits' });
      const key = await this.insertKey(trx as unknown as Db, accountId, name);
      return { accountId, ...key };
    });
  }

  async createKey(accountId: string, name: string) {
    return this.insertKey(this.db, accountId, name);
  }

  private async insertKey(db: Db, accountId: string, name: string) {
    const keyId = randomUUID();
    const secret = randomBytes(32).toString('hex');
    await accountsRepo(db).insertKey({ id: keyId, accountId, name, secretHash: hashSecret(secret) });
    return { keyId, secret };
  }

  /** Constant-time check of a key secret; unknown ids still pay for a compare. */
  async authenticate(keyId: string, secret: string): Promise<Principal | null> {
    const row = await this.keyRow(keyId);
    const expected = Buffer.from(row?.hash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(hashSecret(secret), 'hex');
    const ok = timingSafeEqual(expected, given);
    if (!row || !ok || row.revoked) return null;
    return { accountId: row.accountId, keyId };
  }

  private async keyRow(keyId: string) {
    if (!/^[0-9a-f-]{36}$/i.test(keyId)) return undefined;
    const now = Date.now();
    const hit = this.keyCache.get(keyId);
    if (hit && now - hit.at < KEY_CACHE_MS) return hit;
    const row = await accountsRepo(this.db).findKey(keyId);
    if (!row) return undefined;
    const entry = { hash: row.secret_hash, accountId: row.account_id, revoked: !!row.revoked_at, at: now };
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(keyId, entry);
    return entry;
  }

  async grant(accountIdOrKeyId: string, credits: number, note = 'grant'): Promise<number> {
    const accountId = await this.resolveAccount(accountIdOrKeyId);
    const balance = await this.db
      .transaction()
      .execute((trx) =>
        ledgerRepo(trx).apply({ accountId, deltaMilli: toMilli(credits), reason: credits >= 0 ? 'grant' : 'adjust', note }),
      );
    if (balance === null) throw new DomainError('insufficient_credits', 'Not enough credits');
    return fromMilli(balance);
  }

  async resolveAccount(accountIdOrKeyId: string): Promise<string> {
    const repo = accountsRepo(this.db);
    if (await repo.get(accountIdOrKeyId)) return accountIdOrKeyId;
    const key = await repo.findKey(accountIdOrKeyId);
    if (key) return key.account_id;
    throw new DomainError('not_found', `No account or key ${accountIdOrKeyId}`);
  }

  get(accountId: string) {
    return accountsRepo(this.db).get(accountId);
  }

  /** The account's webhook signing secret in plain text (stored sealed); null for an unknown account. */
  async webhookSecret(accountId: string): Promise<string | null> {
    const row = await accountsRepo(this.db).get(accountId);
    return row ? this.secrets.open(row.webhook_secret) : null;
  }

  listKeys() {
    return accountsRepo(this.db).listKeys();
  }

  revokeKey(keyId: string) {
    this.keyCache.delete(keyId);
    return accountsRepo(this.db).revokeKey(keyId);
  }

  ledger(accountId: string, limit?: number) {
    return ledgerRepo(this.db).list(accountId, limit);
  }
}
