// GET /v1/job-sets: the account's history, newest first, keyset-paged, filtered by kind and set
// status, on SQLite and PostgreSQL; the page query runs on its index on both engines.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { PG_ADMIN, pgAdmin } from '../helpers/pg-admin.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

type Acct = Awaited<ReturnType<TestServer['account']>>;

async function pgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `opensoul_list_${randomBytes(4).toString('hex')}`;
  await pgAdmin(`create database ${name}`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => void (await pgAdmin(`drop database if exists ${name} with (force)`)) };
}

describe.each(['sqlite', 'postgres'] as const)('job-set list on %s', (engine) => {
  let s: TestServer;
  let drop: (() => Promise<void>) | null = null;
  let a: Acct;
  let b: Acct;
  const soulIds: string[] = [];
  let dopId: string;

  const list = async (who: Acct, query = '') => {
    const r = await fetch(`${s.url}/v1/job-sets${query}`, { headers: hfHeaders(who) });
    return { status: r.status, body: (await r.json()) as any };
  };

  beforeAll(async () => {
    let databaseUrl: string | undefined;
    if (engine === 'postgres') {
      const pg = await pgDatabase();
      databaseUrl = pg.url;
      drop = pg.drop;
    }
    s = await startServer({ config: { maxInFlightPerAccount: 100, ...(databaseUrl ? { databaseUrl } : {}) } });
    a = await s.account(1000);
    b = await s.account(100);
    for (const prompt of ['one', 'FAIL two', 'three', 'four', 'FAIL five']) {
      const r = await fetch(`${s.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt, quality: '720p' } }),
      });
      expect(r.status).toBe(200);
      soulIds.push(((await r.json()) as any).id);
    }
    await fetch(`${s.url}/v1/text2image/soul`, {
      method: 'POST',
      headers: hfHeaders(b),
      body: JSON.stringify({ params: { prompt: 'other account', quality: '720p' } }),
    });
    // A DoP set: this server has no DoP runner, so it stays queued (a second kind and status).
    dopId = randomUUID();
    await s.ctx.generation.submit(a.accountId, {
      id: dopId,
      type: 'image2video',
      kind: 'dop',
      model: 'dop-lite',
      dialect: 'higgsfield',
      inputParams: { prompt: 'waits' },
      webhook: null,
      jobs: [{ id: randomUUID(), priority: 0, costMilli: 2000, input: {} }],
    });
    await waitFor(async () => {
      const page = await list(a, '?status=completed');
      return page.body.items?.length === 3;
    });
    await waitFor(async () => (await list(a, '?status=failed')).body.items?.length === 2);
  }, 60_000);

  afterAll(async () => {
    await s?.close();
    await drop?.();
  });

  it('pages newest first with an opaque cursor: every set once, none of another account', async () => {
    const all: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await list(a, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(2);
      all.push(...body.items);
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(all.map((x) => x.id).sort()).toEqual([...soulIds, dopId].sort());
    // Newest first: created_at descending, ties broken by id descending.
    const order = [...all].sort((x, y) => (x.created_at === y.created_at ? (x.id < y.id ? 1 : -1) : x.created_at < y.created_at ? 1 : -1));
    expect(all.map((x) => x.id)).toEqual(order.map((x) => x.id));
    const other = await list(b);
    expect(other.body.items).toHaveLength(1);
    expect(other.body.items[0].id).not.toBeOneOf([...soulIds, dopId]);
    expect(other.body.next_cursor).toBeNull();
  });

  it('answers each item as GET /v1/job-sets/:id plus status, kind, model, dialect, cost, refund and error', async () => {
    const { body } = await list(a, '?limit=100');
    // Every branch below is taken: the DoP set, and Soul sets that failed and that did not.
    expect(body.items.map((x: any) => x.id)).toContain(dopId);
    expect(body.items.map((x: any) => x.status).sort()).toEqual(expect.arrayContaining(['completed', 'failed']));
    for (const item of body.items) {
      const one = (await (await fetch(`${s.url}/v1/job-sets/${item.id}`, { headers: hfHeaders(a) })).json()) as any;
      const { status, kind, model, dialect, cost_credits, refunded_credits, error, ...v1 } = item;
      expect(v1).toEqual(one);
      expect(Object.keys(item).sort()).toEqual(
        [...Object.keys(one), 'status', 'kind', 'model', 'dialect', 'cost_credits', 'refunded_credits', 'error'].sort(),
      );
      if (item.id === dopId) {
        expect({ status, kind, model, dialect, cost_credits, refunded_credits, error }).toEqual({
          status: 'queued',
          kind: 'dop',
          model: 'dop-lite',
          dialect: 'higgsfield',
          cost_credits: 2,
          refunded_credits: 0,
          error: null,
        });
        continue;
      }
      const failed = one.jobs[0].status === 'failed';
      expect({ status, kind, model, dialect, cost_credits, refunded_credits }).toEqual({
        status: one.jobs[0].status,
        kind: 'soul',
        model: 'soul',
        dialect: 'higgsfield',
        cost_credits: 1.5,
        refunded_credits: failed ? 1.5 : 0,
      });
      expect(error).toBe(failed ? 'the test engine was asked to fail' : null);
    }
    // The refunds shown are the ledger's.
    const ledger = await s.ctx.accounts.ledger(a.accountId);
    const refunded = ledger.filter((l) => l.reason === 'refund').reduce((n, l) => n + Number(l.delta_milli), 0) / 1000;
    expect(body.items.reduce((n: number, x: any) => n + x.refunded_credits, 0)).toBe(refunded);
  });

  it('filters by kind and by set status, alone and together, and pages within a filter', async () => {
    const ids = async (q: string) => (await list(a, q)).body.items.map((x: any) => x.id).sort();
    expect(await ids('?kind=dop')).toEqual([dopId]);
    expect(await ids('?status=queued')).toEqual([dopId]);
    expect(await ids('?kind=soul&status=failed')).toEqual([soulIds[1], soulIds[4]].sort());
    expect(await ids('?status=completed')).toEqual([soulIds[0], soulIds[2], soulIds[3]].sort());
    expect(await ids('?kind=soul_id')).toEqual([]);
    expect(await ids('?kind=dop&status=completed')).toEqual([]);
    const first = await list(a, '?kind=soul&limit=4');
    expect(first.body.items).toHaveLength(4);
    const second = await list(a, `?kind=soul&limit=4&cursor=${first.body.next_cursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    expect(new Set([...first.body.items, ...second.body.items].map((x: any) => x.id)).size).toBe(5);
  });

  it('refuses a bad limit, kind, status or cursor with pydantic issues (422), all at once', async () => {
    const bad = await list(a, '?limit=0&kind=video&status=done&cursor=not-a-cursor');
    expect(bad.status).toBe(422);
    expect(bad.body.detail.map((d: any) => d.loc)).toEqual([
      ['query', 'limit'],
      ['query', 'kind'],
      ['query', 'status'],
      ['query', 'cursor'],
    ]);
    expect(bad.body.detail[0]).toMatchObject({ type: 'greater_than_equal', input: '0' });
    expect(bad.body.detail[1]).toMatchObject({ type: 'literal_error', input: 'video' });
    for (const q of [
      '?limit=101',
      '?limit=abc',
      '?limit=1.5',
      `?cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
      `?cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
    ]) {
      const r = await list(a, q);
      expect(r.status, q).toBe(422);
      expect(r.body.detail).toHaveLength(1);
    }
    const anon = await fetch(`${s.url}/v1/job-sets`);
    expect(anon.status).toBe(401);
  });

  it('another account following a cursor still sees only its own sets', async () => {
    const page = await list(a, '?limit=1');
    const foreign = await list(b, `?cursor=${page.body.next_cursor}`);
    expect(foreign.status).toBe(200);
    expect(foreign.body.items.every((x: any) => ![...soulIds, dopId].includes(x.id))).toBe(true);
  });

  it('runs each page query as one range scan of a job_sets_list index, with no sort step', async () => {
    const repo = s.ctx.generation.repo();
    const cursor = { createdAt: new Date().toISOString(), id: randomUUID() };
    const filters = [{}, { kind: 'soul' as const }, { status: 'failed' as const }, { kind: 'soul' as const, status: 'failed' as const }];
    const db = s.ctx.db.db;
    if (engine === 'postgres') {
      await sql`analyze job_sets`.execute(db);
    }
    for (const f of filters) {
      for (const c of [null, cursor]) {
        const q = repo.listSetsQuery(a.accountId, { limit: 21, cursor: c, visibleAt: new Date().toISOString(), ...f }).compile();
        const plan = engine === 'sqlite' ? await explainSqlite(s, q.sql, q.parameters) : await explainPostgres(s, q.sql, q.parameters);
        const want = `job_sets_list${f.kind ? '_kind' : ''}${f.status ? '_status' : ''}`;
        expect(plan, JSON.stringify(f)).toContain(want);
        expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
        // A deep page starts at its cursor: the cursor bounds the index range, it is not a filter
        // over every newer row.
        if (c)
          expect(plan, JSON.stringify(f)).toMatch(
            engine === 'sqlite' ? /USING INDEX job_sets_list\w* \(account_id=\?.*created_at<\?\)/ : /Index Cond: \(.*created_at <=/,
          );
      }
    }
  });
});

async function explainSqlite(s: TestServer, text: string, params: readonly unknown[]): Promise<string> {
  const r = await s.ctx.db.db.executeQuery<{ detail: string }>({
    sql: `explain query plan ${text}`,
    parameters: params,
    query: { kind: 'RawNode' } as any,
    queryId: { queryId: 'explain' } as any,
  });
  return r.rows.map((x) => x.detail).join('\n');
}

async function explainPostgres(s: TestServer, text: string, params: readonly unknown[]): Promise<string> {
  return s.ctx.db.db.connection().execute(async (c) => {
    // Tiny tables: with the alternatives priced out, the plan shows what the index can serve
    // (a Sort or a filter-only cursor would still appear). bench/job-set-list.ts measures it at 10^6.
    await sql`set enable_seqscan = off; set enable_bitmapscan = off; set enable_sort = off`.execute(c);
    try {
      const r = await c.executeQuery<{ 'QUERY PLAN': string }>({
        sql: `explain ${text}`,
        parameters: params,
        query: { kind: 'RawNode' } as any,
        queryId: { queryId: 'explain' } as any,
      });
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    } finally {
      await sql`reset enable_seqscan; reset enable_bitmapscan; reset enable_sort`.execute(c);
    }
  });
}
