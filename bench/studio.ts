/**
 * The studio's weight and start-up: gzipped JS and CSS of the build (the first-load JS is
 * what index.html pulls in; target under 150 KB) and, in headless Chromium, the time from
 * navigation to an interactive page (the signed-in Image page's Generate button, enabled).
 *   npx tsx bench/studio.ts [runs=7]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { STUDIO_DIST } from '../src/api/surfaces/studio.js';

const runs = Number(process.argv[2] ?? 7);
const root = fileURLToPath(new URL('../', import.meta.url));
const { execFileSync } = await import('node:child_process');
execFileSync(process.execPath, ['scripts/build-studio.mjs', '--if-missing'], { cwd: root, stdio: 'inherit' });

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const gz = (file: string) => gzipSync(fs.readFileSync(path.join(STUDIO_DIST, file)), { level: 9 }).length;
const html = fs.readFileSync(path.join(STUDIO_DIST, 'index.html'), 'utf8');
const firstLoadJs = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((m) => m[1]);
const assets = fs.readdirSync(path.join(STUDIO_DIST, 'assets'));
const allJs = assets.filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
const css = assets.filter((f) => f.endsWith('.css')).map((f) => `assets/${f}`);
const sum = (files: string[]) => files.reduce((n, f) => n + gz(f), 0);
const first = sum(firstLoadJs);
console.log(
  `first-load JS: ${kb(first)} gzipped in ${firstLoadJs.length} file(s) (target < 150 KB: ${((first / (150 * 1024)) * 100).toFixed(0)}% of budget)`,
);
console.log(
  `all JS: ${kb(sum(allJs))} gzipped in ${allJs.length} file(s); CSS: ${kb(sum(css))} gzipped; index.html ${kb(gz('index.html'))}`,
);

// The real app on loopback (no workers: nothing is generated, only the page loads).
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-bench-studio-'));
const ctx = await createContext(loadConfig({}, { dataDir, port: 0, workers: 0, rateLimitPerMinute: 100_000 }), { runners: [] });
const app = await buildApp(ctx);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
ctx.setBaseUrl(url);
const key = await ctx.accounts.createAccountWithKey('bench', 10);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const times: number[] = [];
const dcl: number[] = [];
const uiTimes: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    // A fresh context each run: cold HTTP cache, as a first visit.
    const c = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await c.newPage();
    await page.goto(`${url}/#key=${encodeURIComponent(`${key.keyId}:${key.secret}`)}`, { waitUntil: 'commit' });
    await page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled')).waitFor();
    const ui = await page.evaluate(() => performance.getEntriesByName('studio:rendered')[0]?.startTime ?? NaN);
    await page.getByTestId('balance').filter({ hasText: 'credits' }).waitFor();
    const t = await page.evaluate(() => ({
      now: performance.now(),
      dcl: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd,
    }));
    if (i > 0) {
      // The first run warms Chromium itself; it is not a page measurement.
      times.push(t.now);
      dcl.push(t.dcl);
      uiTimes.push(ui);
    }
    await c.close();
  }
} finally {
  await browser.close();
  await app.close();
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`page load to the rendered, usable form (performance mark after the first render): median ${median(uiTimes).toFixed(0)} ms`);
console.log(
  `page load to interactive (signed-in Image page, account loaded), headless Chromium, cold cache: median ${median(times).toFixed(0)} ms over ${times.length} runs (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}); DOMContentLoaded median ${median(dcl).toFixed(0)} ms`,
);
