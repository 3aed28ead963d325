import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

// The reference page in a real browser: Swagger UI renders the document from local assets under
// the page's own CSP (no inline script), and nothing is fetched from another origin.
const CHROMIUM = process.env.OPENSOUL_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = fs.existsSync(CHROMIUM);
let s: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!haveBrowser) return;
  s = await startServer({ workers: false });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe.skipIf(!haveBrowser)('/docs in a browser', () => {
  it('renders every operation with no CSP violation and no outside request', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const outside: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith(s.url) && !r.url().startsWith('data:')) outside.push(r.url());
    });
    await page.goto(`${s.url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
  }, 60_000);
});
