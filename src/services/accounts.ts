import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { fromMilli, toMilli } from '../domain/pricing.js';
import { DomainError } from '../domain/errors.js';
import type { Db } from '../store/db.js';
import { accountsRepo } from '../store/repos/accounts.js';
import { ledgerRepo } from '../store/repos/ledger.js';

export interface Principal {
  accountId: string;
  keyId: string;
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export class AccountService {
  constructor(private readonly db: Db) {}

  /** A new account with one key; returns the only copy of the secret. */
  async createAccountWithKey(name: string, credits: number): Promise<{ accountId: string; keyId: string; secret: string }> {
    const accountId = randomUUID();
    return this.db.transaction().execute(async (trx) => {
      await accountsRepo(trx).create({ id: accountId, name, webhookSecret: 'whsec_' + randomBytes(24).toString('base64') });
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
    const row = /^[0-9a-f-]{36}$/i.test(keyId) ? await accountsRepo(this.db).findKey(keyId) : undefined;
    const expected = Buffer.from(row?.secret_hash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(hashSecret(secret), 'hex');
    const ok = timingSafeEqual(expected, given);
    if (!row || !ok || row.revoked_at) return null;
    return { accountId: row.account_id, keyId: row.id };
  }

  async grant(accountIdOrKeyId: string, credits: number, note = 'grant'): Promise<number> {
    const accountId = await this.resolveAccount(accountIdOrKeyId);
    const balance = await this.db.transaction().execute((trx) =>
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

  listKeys() {
    return accountsRepo(this.db).listKeys();
  }

  revokeKey(keyId: string) {
    return accountsRepo(this.db).revokeKey(keyId);
  }

  ledger(accountId: string, limit?: number) {
    return ledgerRepo(this.db).list(accountId, limit);
  }
}
