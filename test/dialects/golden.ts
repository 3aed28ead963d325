import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

/** Keys whose numbers are measured, not decided (durations). */
const MEASURED = new Set(['inference', 'inference_time', 'queue_time', 'total_time']);

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Ids, this run's base URL, signatures, upload tokens and timestamps become placeholders. */
export function normalize(value: unknown, base: string, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, base));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, base, k)]));
  }
  if (typeof value === 'number' && MEASURED.has(key)) return '<measured>';
  if (typeof value !== 'string') return value;
  if (ISO.test(value)) return '<timestamp>';
  return value
    .split(base)
    .join('<base>')
    .replace(UUID, '<uuid>')
    .replace(/exp=\d+/g, 'exp=<exp>')
    .replace(/sig=[A-Za-z0-9_-]+/g, 'sig=<sig>')
    .replace(/\/uploads\/[A-Za-z0-9_-]+/g, '/uploads/<token>')
    .replace(/^whsec_\S+$/, 'whsec_<secret>');
}

/**
 * Compares a response with test/dialects/golden/<name>.json after normalising; with
 * UPDATE_GOLDEN=1 it (re)writes the file instead, for review in the diff.
 */
export function expectGolden(name: string, actual: { status: number; body: unknown }, base: string) {
  const file = path.join(DIR, `${name}.json`);
  const got = { status: actual.status, body: normalize(actual.body, base) };
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(got, null, 2) + '\n');
  }
  if (!fs.existsSync(file)) throw new Error(`golden file missing: ${file} (run with UPDATE_GOLDEN=1 and review it)`);
  expect(got).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** fetch + JSON, keeping the status for goldens. */
export async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? '' : JSON.parse(text);
  } catch {
    /* not JSON: the raw text is compared */
  }
  return { status: res.status, body, headers: res.headers };
}
