import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, startServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let a: { keyId: string; secret: string };
beforeAll(async () => {
  s = await startServer({ workers: false });
  a = await s.account(1000);
});
afterAll(async () => s.close());

const post = async (path: string, body: unknown, headers: Record<string, string> = hfHeaders(a)) => {
  const res = await fetch(s.url + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

describe('validation in the FastAPI shape', () => {
  it('batch_size 2 is a literal_error "Input should be 1 or 4"', async () => {
    const r = await post('/v1/text2image/soul', { params: { prompt: 'x', batch_size: 2 } });
    expect(r.status).toBe(422);
    expect(r.body.detail).toEqual([
      {
        type: 'literal_error',
        loc: ['body', 'params', 'batch_size'],
        msg: 'Input should be 1 or 4',
        input: 2,
        ctx: { expected: '1 or 4' },
      },
    ]);
  });

  it.each([
    [{ prompt: 'x', width_and_height: '1000x1000' }, 'literal_error', 'width_and_height'],
    [{ prompt: 'x', quality: '4k' }, 'literal_error', 'quality'],
    [{ prompt: 'x', seed: 0 }, 'greater_than_equal', 'seed'],
    [{ prompt: 'x', seed: 1_000_001 }, 'less_than_equal', 'seed'],
    [{ prompt: 'x', seed: 1.5 }, 'int_type', 'seed'],
    [{ prompt: 'x', style_strength: 1.2 }, 'less_than_equal', 'style_strength'],
    [{ prompt: 'x', custom_reference_strength: -0.1 }, 'greater_than_equal', 'custom_reference_strength'],
    [{ prompt: 'x', style_id: 'not-a-uuid' }, 'uuid_parsing', 'style_id'],
    [{ prompt: 'x', style_id: '00000000-0000-4000-8000-000000000000' }, 'value_error', 'style_id'],
    [{ prompt: '' }, 'string_too_short', 'prompt'],
    [{ prompt: 5 }, 'string_type', 'prompt'],
    [{}, 'missing', 'prompt'],
    [{ prompt: 'x', enhance_prompt: 'yes' }, 'bool_type', 'enhance_prompt'],
    [{ prompt: 'x', colour: 'red' }, 'extra_forbidden', 'colour'],
    [{ prompt: 'x', image_reference: { type: 'image_url', image_url: 'ftp://x' } }, 'url_parsing', 'image_url'],
  ])('%j -> %s at %s', async (params, type, field) => {
    const r = await post('/v1/text2image/soul', { params });
    expect(r.status).toBe(422);
    expect(r.body.detail[0].type).toBe(type);
    expect(r.body.detail[0].loc.at(-1)).toBe(field);
    expect(typeof r.body.detail[0].msg).toBe('string');
  });

  it('a missing params object and malformed JSON are 422s too', async () => {
    const r = await post('/v1/text2image/soul', { prompt: 'flat' });
    expect(r.status).toBe(422);
    expect(r.body.detail.map((d: any) => d.type)).toEqual(['missing', 'extra_forbidden']);
    const bad = await post('/v1/text2image/soul', '{"params": ');
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toEqual([
      { type: 'json_invalid', loc: ['body'], msg: 'JSON decode error', input: {}, ctx: { error: expect.any(String) } },
    ]);
  });

  it('numbers written as strings are read as pydantic lax mode does, and unparsable ones say so', async () => {
    const ok = await post('/v1/text2image/soul', { params: { prompt: 'x', seed: ' 42 ', style_strength: '0.5', quality: '720p' } });
    expect(ok.status).toBe(200);
    expect(ok.body.input_params).toMatchObject({ seed: 42, style_strength: 0.5 });
    const bad = await post('/v1/text2image/soul', { params: { prompt: 'x', seed: '4.2', style_strength: 'half', batch_size: '4' } });
    expect(bad.status).toBe(422);
    // A literal is matched as given (pydantic does not coerce "4" into Literal[1, 4]).
    expect(bad.body.detail.map((d: any) => [d.type, d.loc.at(-1), d.input])).toEqual([
      ['literal_error', 'batch_size', '4'],
      ['int_parsing', 'seed', '4.2'],
      ['float_parsing', 'style_strength', 'half'],
    ]);
  });

  it('an unknown top-level field does not hide what is wrong inside params', async () => {
    const r = await post('/v1/text2image/soul', { params: { prompt: 'x', batch_size: 2 }, surprise: 1 });
    expect(r.status).toBe(422);
    expect(r.body.detail.map((d: any) => [d.type, d.loc.join('.')])).toEqual([
      ['literal_error', 'body.params.batch_size'],
      ['extra_forbidden', 'body.surprise'],
    ]);
  });

  it('deeply nested JSON is refused by the parser, with or without an Idempotency-Key', async () => {
    const deep = `{"params": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
    for (const headers of [hfHeaders(a), { ...hfHeaders(a), 'idempotency-key': 'deep-1' }]) {
      const r = await post('/v1/text2image/soul', deep, headers);
      expect(r.status).toBe(422);
      expect(r.body.detail[0]).toMatchObject({ type: 'json_invalid', ctx: { error: 'JSON nested deeper than 64 levels' } });
    }
    // Brackets inside strings are text, not nesting.
    const r = await post('/v1/text2image/soul', { params: { prompt: '['.repeat(500), quality: '720p' } });
    expect(r.status).toBe(200);
  });

  it('malformed URLs and over-long ids answer in the Higgsfield shape', async () => {
    const long = await fetch(`${s.url}/v1/job-sets/${'a'.repeat(300)}`, { headers: hfHeaders(a) });
    expect(long.status).toBe(404);
    expect(await long.json()).toEqual({ detail: expect.any(String) });
    const bad = await fetch(`${s.url}/v1/job-sets/%E0%A4%A`, { headers: hfHeaders(a) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ detail: expect.stringMatching(/^Malformed request/) });
  });

  it('v2 flat bodies report loc without params', async () => {
    const r = await post(
      '/higgsfield-ai/soul/standard',
      { batch_size: 3 },
      { authorization: `Key ${a.keyId}:${a.secret}`, 'content-type': 'application/json' },
    );
    expect(r.status).toBe(422);
    expect(r.body.detail.map((d: any) => d.loc)).toEqual([
      ['body', 'prompt'],
      ['body', 'batch_size'],
    ]);
  });
});

describe('authentication', () => {
  it('401 {detail} without or with wrong credentials, both schemes accepted', async () => {
    expect((await post('/v1/text2image/soul', { params: { prompt: 'x' } }, { 'content-type': 'application/json' })).status).toBe(401);
    const wrong = await post('/v1/text2image/soul', { params: { prompt: 'x' } }, { ...hfHeaders(a), 'hf-secret': 'nope' });
    expect(wrong).toEqual({ status: 401, body: { detail: 'Invalid API credentials' } });
    const res = await fetch(`${s.url}/v1/account`, { headers: { authorization: `Key ${a.keyId}:${a.secret}` } });
    expect(res.status).toBe(200);
  });

  it('a revoked key stops working', async () => {
    const b = await s.account(1);
    await s.ctx.accounts.revokeKey(b.keyId);
    const res = await fetch(`${s.url}/v1/account`, { headers: hfHeaders(b) });
    expect(res.status).toBe(401);
  });

  it('stores only a hash of the secret', async () => {
    const row = await s.ctx.db.db.selectFrom('api_keys').selectAll().where('id', '=', a.keyId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(a.secret);
  });
});

describe('limits', () => {
  it('the fifth in-flight request gets the Higgsfield concurrency 400', async () => {
    const b = await s.account(100);
    for (let i = 0; i < 4; i++) expect((await post('/v1/text2image/soul', { params: { prompt: `q${i}` } }, hfHeaders(b))).status).toBe(200);
    const fifth = await post('/v1/text2image/soul', { params: { prompt: 'q5' } }, hfHeaders(b));
    expect(fifth).toEqual({ status: 400, body: { detail: 'Maximum number of concurrent requests (4) has been reached' } });
    // Nothing was charged for the refused one.
    expect(Number((await s.ctx.accounts.get(b.accountId))!.balance_milli)).toBe((100 - 12) * 1000);
  });
});
