import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { ensureStudioBuilt } from '../helpers/studio-build.js';
import { startStudioServer } from './studio-server.js';

// The studio in real Chromium against the real app. Waits are on UI states, never on time.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`[e2e] skipping the studio browser tests: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const astronaut = path.join(root, 'test/fixtures/faces/astronaut.png');
// Screenshots of every page go to test-output/; UPDATE_SCREENSHOTS=1 also refreshes docs/screenshots.
const shotDirs = [
  path.join(root, 'test-output/studio-screenshots'),
  ...(process.env.UPDATE_SCREENSHOTS ? [path.join(root, 'docs/screenshots')] : []),
];

type Account = Awaited<ReturnType<TestServer['account']>>;
let server: TestServer;
let cleanup: () => Promise<void>;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let owner: Account;
let firstSetId = '';

async function signIn(p: Page, a: Account) {
  await p.goto(`${server.url}/`);
  await p.getByLabel('API key').fill(a.credential);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByTestId('balance').filter({ hasText: 'credits' }).waitFor();
}

async function open(p: Page, hash: string) {
  await p.goto(`${server.url}/#/${hash}`);
  await p.locator('h1').first().waitFor();
}

/** Records every value the progress bars take, so a test can see them move. */
async function recordProgress(p: Page) {
  await p.evaluate(() => {
    const w = window as unknown as { seen: number[] };
    w.seen = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        if (el.dataset?.testid === 'job-progress') w.seen.push(Number(el.dataset.percent));
        el.querySelectorAll?.('[data-testid=job-progress]').forEach((x) => w.seen.push(Number((x as HTMLElement).dataset.percent)));
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-percent'] });
  });
}

describe.skipIf(!hasChromium)('the studio in Chromium', () => {
  beforeAll(async () => {
    ensureStudioBuilt();
    ({ server, cleanup } = await startStudioServer());
    owner = await server.account(500);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await cleanup?.();
  });

  it('signs in with the pasted key; the key is kept in sessionStorage only', async () => {
    await signIn(page, owner);
    expect(await page.getByTestId('balance').textContent()).toContain('500');
    expect(page.url()).not.toContain(owner.secret);
    expect(await page.evaluate(() => sessionStorage.getItem('opensoul.key'))).toBe(owner.credential);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('generates an image on the fixture model: the bar moves to 100% and the image lands in history', async () => {
    await open(page, 'image');
    await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse at dusk');
    await page.getByText('720p', { exact: true }).click();
    await page.getByTestId('price').filter({ hasText: '1.5' }).waitFor();
    await recordProgress(page);
    await page.getByRole('button', { name: 'Generate' }).click();
    const run = page.getByTestId('job-set').first();
    await run.locator('[data-testid=job-progress][data-status=completed][data-percent="100"]').waitFor({ timeout: 120_000 });
    await run.getByTestId('output-image').waitFor();
    firstSetId = (await run.getAttribute('data-id'))!;
    // The fixture model can finish within one progress interval, so the bar may go straight to
    // 100 here; the slow run in the cancel test shows it mid-way.
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen.at(-1)).toBe(100);
    // The seed the server drew is shown after the run.
    expect(await run.getByTestId('seed').textContent()).toMatch(/seed \d+/);

    await open(page, 'history');
    const item = page.locator(`[data-testid=job-set][data-id="${firstSetId}"]`);
    await item.getByTestId('output-image').waitFor();
    expect(await item.getAttribute('data-status')).toBe('completed');
    expect(await item.getByTestId('cost').textContent()).toContain('1.5');
    // Lightbox with a download link.
    await item.getByRole('button', { name: /Open image 1/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('link', { name: 'Download' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('the copied curl sample runs as shown and returns a job set', async () => {
    await open(page, 'image');
    await page.getByLabel('Prompt', { exact: true }).fill('a sample from the studio');
    await page.getByRole('tab', { name: 'curl (v1)' }).click();
    await page.getByTestId('copy-sample').click();
    await page.getByTestId('copy-sample').filter({ hasText: 'Copied' }).waitFor();
    const code = await page.evaluate(() => navigator.clipboard.readText());
    expect(code).toContain(`${server.url}/v1/text2image/soul`);
    expect(code).not.toContain(owner.secret);
    // Async: the server answering it runs in this process.
    const { stdout: out } = await promisify(execFile)('bash', ['-c', code], {
      env: { ...process.env, OPENSOUL_KEY_ID: owner.keyId, OPENSOUL_KEY_SECRET: owner.secret },
      encoding: 'utf8',
    });
    const set = JSON.parse(out) as { id: string; type: string; jobs: unknown[]; input_params: { prompt: string } };
    expect(set.type).toBe('text2image_soul');
    expect(set.jobs.length).toBe(1);
    expect(set.input_params.prompt).toBe('a sample from the studio');
  });

  it('creates a character from astronaut.png and shows the check on the photo', async () => {
    await open(page, 'characters');
    await page.getByLabel('Name').fill('Eileen');
    await page.locator('input[type=file]').setInputFiles(astronaut);
    await page.getByRole('list', { name: 'Photos to send' }).getByRole('img').waitFor();
    await page.getByRole('button', { name: 'Create character' }).click();
    const created = page.getByTestId('created-character');
    await created.locator('[data-testid=photo-check]:not([data-accepted=pending])').waitFor({ timeout: 120_000 });
    expect(await created.getAttribute('data-status')).toBe('completed');
    expect(await created.getByTestId('photo-check').getAttribute('data-accepted')).toBe('true');
    await expect.poll(() => created.getByTestId('photo-check').textContent()).toContain('Accepted');
    await page.getByTestId('character').filter({ hasText: 'Eileen' }).waitFor();
  });

  it('animates an output with a motion and plays the MP4', async () => {
    await open(page, 'history');
    await page.locator(`[data-testid=job-set][data-id="${firstSetId}"]`).getByRole('button', { name: 'Animate' }).click();
    await page.locator('#video-title').waitFor();
    await page.getByRole('img', { name: 'Start image' }).waitFor();
    const card = page.locator('[data-motion]').first();
    await card.hover();
    // Hover plays the preview clip.
    await expect
      .poll(() => card.locator('video').evaluate((v: HTMLVideoElement) => !v.paused && v.readyState >= 2), { timeout: 60_000 })
      .toBe(true);
    await card.click();
    expect(await card.getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('price').filter({ hasText: 'credits' }).waitFor();
    await page.getByRole('button', { name: 'Animate' }).last().click();
    const video = page.getByTestId('job-set').first().getByTestId('output-video');
    await video.waitFor({ timeout: 180_000 });
    await video.evaluate((v: HTMLVideoElement) => v.play());
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 }).toBeGreaterThan(0);
  });

  it('cancels a running job and the refund shows in the ledger', async () => {
    await open(page, 'image');
    await page.getByLabel('Prompt', { exact: true }).fill('SLOW drawing that will be canceled');
    await recordProgress(page);
    await page.getByRole('button', { name: 'Generate' }).click();
    const run = page.getByTestId('job-set').first();
    await run.locator('[data-testid=job-progress][data-status=in_progress]').waitFor({ timeout: 60_000 });
    // The bar moves while the job runs (the slow runner takes 20 s in 400 steps).
    await expect
      .poll(async () => (await page.evaluate(() => (window as unknown as { seen: number[] }).seen)).some((v) => v > 0 && v < 100), {
        timeout: 30_000,
      })
      .toBe(true);
    await run.getByRole('button', { name: 'Cancel' }).click();
    await run.locator('[data-testid=job-progress][data-status=canceled]').waitFor();
    // The set's own status follows its job's on the next set event.
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 10_000 }).toBe('canceled');
    const canceledId = await run.getAttribute('data-id');
    await open(page, 'account');
    await page.locator('[data-testid=ledger] tr[data-reason=refund]').first().waitFor();
    const refunds = await page.locator('[data-testid=ledger] tr[data-reason=refund]').allTextContents();
    expect(refunds.some((t) => t.includes('+1.5') || t.includes('+3'))).toBe(true);
    await open(page, 'history');
    const item = page.locator(`[data-testid=job-set][data-id="${canceledId}"]`);
    await item.getByTestId('cost').filter({ hasText: 'refunded' }).waitFor();
  });

  it('plans a 2-slide carousel: price, progress, then the slides (clean and with text), caption and hashtags', async () => {
    await open(page, 'workflows');
    await page.getByLabel('Workflow', { exact: true }).selectOption('carousel');
    await page.getByLabel('Topic', { exact: true }).fill('three habits of calm mornings');
    await page.getByLabel('Slides').fill('2');
    // Soul 1080p per slide (3 credits), priced by the server's quote.
    await page.getByTestId('price').filter({ hasText: '6' }).filter({ hasText: '2 jobs' }).waitFor();
    await recordProgress(page);
    await page.getByRole('button', { name: 'Make carousel' }).click();
    const run = page.getByTestId('job-set').first();
    await run.getByText('Slide 2', { exact: true }).waitFor();
    await page
      .locator(`[data-testid=job-set][data-id="${await run.getAttribute('data-id')}"][data-status=completed]`)
      .waitFor({ timeout: 240_000 });
    const result = run.getByTestId('carousel-result');
    await result.waitFor();
    expect(await result.getByTestId('slide').count()).toBe(2);
    for (const name of ['Slide 1 with text', 'Slide 1 clean', 'Slide 2 with text', 'Slide 2 clean']) {
      const img = result.getByRole('img', { name });
      await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBe(1080);
    }
    expect(await result.getByTestId('caption').textContent()).toContain('three habits of calm mornings');
    expect(await result.getByTestId('hashtags').textContent()).toMatch(/#\w+/);
    expect(await result.getByTestId('planner').textContent()).toContain('template planner');
    // Each slide's bar ends full (mid-way values are checked on the slow run in the cancel test).
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen.at(-1)).toBe(100);
    // Copy buttons put the caption on the clipboard as shown.
    await result.getByRole('button', { name: 'Copy caption' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await result.getByTestId('caption').textContent());
    // The code sample is the v2-style request the page sent.
    await page.getByRole('tab', { name: 'curl' }).click();
    expect(await page.getByTestId('sample-code').textContent()).toContain('/social/carousel/instagram');
  });

  it('prices a tutorial series, submits it and cancels it: the refund shows', async () => {
    await open(page, 'workflows');
    await page.getByLabel('Workflow', { exact: true }).selectOption('tutorial');
    await page.getByLabel('Topic', { exact: true }).fill('how to repot a houseplant');
    // 20 clips of 5 s (Soul 720p + DoP turbo, 8 credits each) and the free join.
    await page.getByTestId('price').filter({ hasText: '160' }).filter({ hasText: '21 jobs' }).waitFor();
    const before = Number((await page.getByTestId('balance').textContent())!.replace(/[^\d.]/g, ''));
    await page.getByRole('button', { name: 'Make series' }).click();
    const run = page.getByTestId('job-set').first();
    await run.getByText('Joined video', { exact: true }).waitFor();
    await page
      .getByTestId('balance')
      .filter({ hasText: String(before - 160) })
      .waitFor();
    await run.getByRole('button', { name: 'Cancel' }).click();
    await page
      .locator(`[data-testid=job-set][data-id="${await run.getAttribute('data-id')}"][data-status=canceled]`)
      .waitFor({ timeout: 60_000 });
    // The plan is still shown: every scene with its caption and camera.
    const result = run.getByTestId('series-result');
    await result.waitFor();
    expect(await result.getByTestId('scene').count()).toBe(20);
    expect(await result.getByTestId('planner').textContent()).toContain('template planner');
    const id = await run.getAttribute('data-id');
    await open(page, 'history');
    const item = page.locator(`[data-testid=job-set][data-id="${id}"]`);
    const refund = await item.getByTestId('cost').filter({ hasText: 'refunded' }).textContent();
    expect(Number(/refunded ([\d.]+)/.exec(refund!)![1])).toBeGreaterThanOrEqual(160 - 2 * 8);
    await expect.poll(() => item.getByTestId('series-result').getByTestId('scene').count()).toBe(20);
    // "Run again" brings the same workflow back into the form.
    await item.getByRole('button', { name: 'Run again' }).click();
    await page.locator('#workflows-title').waitFor();
    expect(await page.getByLabel('Workflow', { exact: true }).inputValue()).toBe('tutorial');
    expect(await page.getByLabel('Topic', { exact: true }).inputValue()).toBe('how to repot a houseplant');
  });

  it("another account's key sees none of it (signed in through the #key= link)", async () => {
    const other = await server.account(50);
    const c2 = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const p2 = await c2.newPage();
    await p2.goto(`${server.url}/#key=${encodeURIComponent(other.credential)}`);
    await p2.getByTestId('balance').filter({ hasText: '50 credits' }).waitFor();
    expect(p2.url()).not.toContain('key=');
    await open(p2, 'history');
    await p2.getByText('Nothing here yet').waitFor();
    expect(await p2.getByTestId('job-set').count()).toBe(0);
    await open(p2, 'characters');
    await p2.getByText('No characters yet.').waitFor();
    const status = await p2.evaluate(async (id) => {
      const [k, s] = sessionStorage.getItem('opensoul.key')!.split(':');
      return (await fetch(`/v1/job-sets/${id}`, { headers: { 'hf-api-key': k, 'hf-secret': s } })).status;
    }, firstSetId);
    expect(status).toBe(404);
    await c2.close();
  });

  it('writes screenshots of every page at 1280 and 390 px, light and dark', async () => {
    for (const dir of shotDirs) fs.mkdirSync(dir, { recursive: true });
    const shoot = async (p: Page, name: string) => {
      const bytes = await p.screenshot({ fullPage: false });
      for (const dir of shotDirs) fs.writeFileSync(path.join(dir, `${name}.png`), bytes);
    };
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [1280, 390]) {
        const c = await browser.newContext({
          viewport: { width, height: width > 500 ? 860 : 844 },
          colorScheme: scheme,
          deviceScaleFactor: 1,
        });
        const p = await c.newPage();
        await p.goto(`${server.url}/`);
        await p.getByLabel('API key').waitFor();
        await shoot(p, `sign-in-${width}-${scheme}`);
        await p.evaluate((cred) => sessionStorage.setItem('opensoul.key', cred), owner.credential);
        await p.reload();
        for (const name of ['image', 'video', 'workflows', 'characters', 'history', 'account']) {
          await open(p, name);
          await p.getByTestId('balance').filter({ hasText: 'credits' }).waitFor();
          if (name === 'history') await p.getByTestId('job-set').first().waitFor();
          if (name === 'account') await p.getByTestId('ledger').waitFor();
          if (name === 'characters') await p.getByTestId('character').first().waitFor();
          if (name === 'image' || name === 'video' || name === 'workflows' || name === 'characters')
            await p.getByTestId('price').filter({ hasText: 'credits' }).waitFor();
          await p.evaluate(() => document.fonts.ready);
          await p.waitForFunction(
            () => [...document.images].filter((i) => i.getBoundingClientRect().top < innerHeight).every((i) => i.complete),
            undefined,
            { timeout: 60_000 },
          );
          await shoot(p, `${name}-${width}-${scheme}`);
          if (name === 'image') {
            // The style gallery, further down the form.
            await p.getByRole('group', { name: 'Styles' }).scrollIntoViewIfNeeded();
            await p.waitForFunction(
              () =>
                [...document.querySelectorAll<HTMLImageElement>('.style-grid img')]
                  .filter((i) => i.getBoundingClientRect().top < innerHeight)
                  .every((i) => i.complete),
              undefined,
              { timeout: 60_000 },
            );
            await shoot(p, `image-styles-${width}-${scheme}`);
          }
          if (name === 'history') {
            // The creator workflows' results: a carousel's slides and copy, a series' plan.
            for (const kind of ['carousel', 'series']) {
              const r = p.getByTestId(`${kind}-result`).first();
              // Its set's header at the top, below the sticky bar; the series' scene plan open.
              if (kind === 'series') await r.locator('summary').click();
              await r.evaluate((el) => {
                el.closest('article')!.scrollIntoView({ block: 'start' });
                scrollBy(0, -(document.querySelector('.topbar')?.getBoundingClientRect().height ?? 0) - 8);
              });
              await p.waitForFunction(
                () =>
                  [...document.images]
                    .filter((i) => i.getBoundingClientRect().top < innerHeight && i.getBoundingClientRect().bottom > 0)
                    .every((i) => i.complete),
                undefined,
                { timeout: 60_000 },
              );
              await shoot(p, `history-${kind}-${width}-${scheme}`);
            }
          }
        }
        await c.close();
      }
    }
    expect(fs.readdirSync(shotDirs[0]).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(40);
  });
});
