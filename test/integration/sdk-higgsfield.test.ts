import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { HiggsfieldClient } from '@higgsfield/client';
import { createHiggsfieldClient } from '@higgsfield/client/v2';
import { startServer, type TestServer, waitFor } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

describe('official @higgsfield/client pointed at opensoul', () => {
  it('v1: generate + poll, uploadImage, getSoulStyles', async () => {
    const a = await s.account(100);
    const client = new HiggsfieldClient({ apiKey: a.keyId, apiSecret: a.secret, baseURL: s.url, pollInterval: 50 } as any);
    const styles = await client.getSoulStyles();
    expect(styles.length).toBeGreaterThanOrEqual(40);
    const png = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const url = await client.uploadImage(png, 'jpeg');
    expect(url.startsWith(s.url + '/media/')).toBe(true);
    const jobSet: any = await client.generate('/v1/text2image/soul', {
      prompt: 'portrait in the rain',
      width_and_height: '1152x2048',
      quality: '720p',
      style_id: styles[0].id,
      batch_size: 1,
      image_reference: { type: 'image_url', image_url: url },
    } as any);
    expect(jobSet.id).toBeTruthy();
    const jobs = jobSet.jobs ?? jobSet.data?.jobs;
    expect(jobs[0].status).toBe('completed');
    expect(jobs[0].results.raw.url).toContain('/media/');
  });

  it('v2: subscribe polls to completed; status; cancel while queued', async () => {
    const a = await s.account(100);
    const hf = createHiggsfieldClient({ credentials: a.credential, baseURL: s.url, pollInterval: 50 } as any);
    const done: any = await hf.subscribe('higgsfield-ai/soul/standard', {
      input: { prompt: 'a red fox', aspect_ratio: '16:9', resolution: '720p' } as any,
    });
    expect(done.status).toBe('completed');
    expect(done.images[0].url).toContain('/media/');
    const st = await fetch(`${s.url}/requests/${done.request_id}/status`, { headers: { authorization: `Key ${a.credential}` } });
    expect(((await st.json()) as any).status).toBe('completed');
    const cancelDone = await fetch(`${s.url}/requests/${done.request_id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Key ${a.credential}` },
    });
    expect(cancelDone.status).toBe(400);
  });

  it('v2 cancel: 202 with an empty body while queued, then canceled and refunded', async () => {
    const idle = await startServer({ workers: false });
    try {
      const a = await idle.account(10);
      const hf = createHiggsfieldClient({ credentials: a.credential, baseURL: idle.url } as any);
      const q: any = await hf.subscribe('higgsfield-ai/soul/v2/standard', {
        input: { prompt: 'wait', batch_size: 1, resolution: '1080p', aspect_ratio: '1:1' } as any,
        withPolling: false,
      });
      expect(q).toMatchObject({
        status: 'queued',
        request_id: expect.any(String),
        status_url: `${idle.url}/requests/${q.request_id}/status`,
        cancel_url: `${idle.url}/requests/${q.request_id}/cancel`,
      });
      expect(Number((await idle.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(7000);
      const c = await fetch(q.cancel_url, { method: 'POST', headers: { authorization: `Key ${a.credential}` } });
      expect(c.status).toBe(202);
      expect(await c.text()).toBe('');
      const st: any = await (await fetch(q.status_url, { headers: { authorization: `Key ${a.credential}` } })).json();
      expect(st.status).toBe('canceled');
      expect(Number((await idle.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10000);
    } finally {
      await idle.close();
    }
  });
});

void waitFor;
