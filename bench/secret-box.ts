/**
 * Cost of webhook secrets at rest (src/services/secret-box.ts, AES-256-GCM):
 *
 *   npx tsx bench/secret-box.ts [--n 100000] [--rows 20000]
 *
 * Per value: seal and open of a `whsec_` signing secret, what one webhook delivery adds (one
 * open for the account secret, one per secret header). Per start: the scan that seals plain
 * rows of older versions (sealPlainSecrets) over a SQLite database of --rows job sets with a
 * per-request webhook secret, first with every row plain, then with none left (every later start).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { sealPlainSecrets } from '../src/services/data-key.js';
import { SecretBox } from '../src/services/secret-box.js';
import { openDatabase } from '../src/store/db.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, rows: { type: 'string', default: '20000' } } });
const n = Number(values.n);
const rows = Number(values.rows);
const box = new SecretBox(randomBytes(32));
const secret = 'whsec_' + randomBytes(24).toString('base64');

let sealed = '';
let t0 = performance.now();
for (let i = 0; i < n; i++) sealed = box.seal(secret);
const sealUs = ((performance.now() - t0) * 1000) / n;
t0 = performance.now();
for (let i = 0; i < n; i++) box.open(sealed);
const openUs = ((performance.now() - t0) * 1000) / n;
console.log(`seal ${sealUs.toFixed(2)} µs, open ${openUs.toFixed(2)} µs per value (${n} values, ${sealed.length} characters sealed)`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-bench-secrets-'));
const { db, close } = await openDatabase('sqlite', dir);
try {
  await sql`insert into accounts (id, name, balance_milli, webhook_secret, created_at) values ('a', 'bench', 0, ${secret}, '2026-01-01T00:00:00Z')`.execute(
    db,
  );
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows; i++) {
      await trx
        .insertInto('job_sets')
        .values({
          id: `set-${String(i).padStart(8, '0')}`,
          account_id: 'a',
          type: 'text2image_soul',
          model: 'soul',
          dialect: 'higgsfield',
          input_params: '{}',
          webhook: JSON.stringify({ url: 'https://example.com/hook', secret: `plain-${i}`, dialect: 'higgsfield-v1' }),
          created_at: '2026-01-01T00:00:00Z',
          finished_at: null,
          visible_until: null,
          kind: 'soul',
          status: 'completed',
          version: 1,
        })
        .execute();
    }
  });
  t0 = performance.now();
  const count = await sealPlainSecrets(db, box);
  const first = performance.now() - t0;
  t0 = performance.now();
  await sealPlainSecrets(db, box);
  const later = performance.now() - t0;
  console.log(
    `start-up seal of ${count} plain rows: ${first.toFixed(0)} ms; a later start's scan of ${rows} sealed job sets: ${later.toFixed(1)} ms`,
  );
} finally {
  await close();
  fs.rmSync(dir, { recursive: true, force: true });
}
