/**
 * What the reseller dialects (WaveSpeed, Segmind, Pixazo) share: reading a dialect body into the
 * one domain request, credentials, error messages, the figures every job-set rendering needs,
 * and waiting for a set to end (sync mode). Each dialect file keeps only its own mapping,
 * rendering and auth scheme.
 */
import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { DomainError, type DomainErrorCode, type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader, type FieldSpec, type JsonSchema, objectSchema } from '../../domain/fields.js';
import { type Job, type JobStatus, isTerminal, jobSetStatus } from '../../domain/job.js';
import { MILLI, USD_TO_CREDITS } from '../../domain/pricing.js';
import { SOUL_FIELDS, SOUL_V2_ALIAS_FIELDS, type SoulParams, readSoulParams } from '../../domain/soul.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';
import { parseKey } from '../../domain/api-key.js';
import { type CredentialExtractor, registerCredentialScheme } from '../auth.js';
import { type ErrorRenderer, HIGGSFIELD_STATUS, registerDialectPaths, registerErrorRenderer } from '../errors.js';

type Loc = (string | number)[];

// ---------------------------------------------------------------------------------------------
// Reading a dialect body into SoulParams

/** A dialect's own fields: read (and checked, in dialect names) by `read`, handed to the domain. */
export interface OwnFields {
  /** The dialect's own fields, read by `read` through these specs (and documented from them). */
  fields: Record<string, FieldSpec>;
  /**
   * Returns readSoulParams-named fields, a patch for what the domain reader cannot take, and
   * extras the route needs (webhook, sync mode), so every issue comes back in one answer.
   */
  read: (r: FieldReader) => { fields?: Record<string, unknown>; patch?: Partial<SoulParams>; extras?: Record<string, unknown> };
}

export interface DialectSoulSpec {
  /** Dialect fields with the domain reader's name and meaning. */
  pass?: string[];
  /** Dialect field -> domain field with the same value (e.g. soul_id -> custom_reference_id). */
  rename?: Record<string, string>;
  own?: OwnFields;
  /** Domain field paths -> dialect paths, for issues on fields `own` converted. */
  issueLocs?: [Loc, Loc][];
  v2Aliases?: boolean;
  /** Dialect fields required although the domain has a default for them. */
  require?: string[];
}

export interface DialectSoulRequest {
  params: SoulParams;
  extras: Record<string, unknown>;
}

/**
 * Dialect body -> SoulParams. Meaning checks (sizes, styles, ranges) stay in the domain reader;
 * its pydantic-style issues come back with the dialect's field names. Fields the dialect does
 * not have are refused, even when the domain knows them (a WaveSpeed body cannot ask for a batch).
 */
export function readDialectSoul(body: unknown, spec: DialectSoulSpec): DialectSoulRequest {
  const loc: Loc = ['body'];
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, loc, issues);
  if (!r) throw new ValidationError(issues);
  const src = body as Record<string, unknown>;
  const pass = new Set(spec.pass ?? []);
  const rename = spec.rename ?? {};
  const ownNames = new Set(Object.keys(spec.own?.fields ?? {}));
  for (const name of spec.require ?? []) requireField(r, name, body);
  const own = spec.own?.read(r) ?? {};

  const domain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (ownNames.has(k)) continue;
    if (pass.has(k)) domain[k] = v;
    else if (Object.hasOwn(rename, k)) domain[rename[k]] = v;
    else r.issues.push({ type: 'extra_forbidden', loc: [...loc, k], msg: 'Extra inputs are not permitted', input: v });
  }
  for (const [k, v] of Object.entries(own.fields ?? {})) if (v !== undefined) domain[k] = v;

  const back: [Loc, Loc][] = [...Object.entries(rename).map(([from, to]): [Loc, Loc] => [[to], [from]]), ...(spec.issueLocs ?? [])];
  let params: SoulParams | null = null;
  try {
    params = readSoulParams(domain, loc, { v2Aliases: spec.v2Aliases });
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues.push(...e.issues.map((i) => toDialectIssue(i, back, loc.length, src)));
  }
  issues.unshift(...r.issues);
  if (issues.length || !params) throw new ValidationError(issues);
  return { params: { ...params, ...own.patch }, extras: own.extras ?? {} };
}

/** JSON Schema of a dialect body: the domain's specs under the dialect's names, plus its own. */
export function dialectSoulSchema(spec: DialectSoulSpec): JsonSchema {
  const domain: Record<string, FieldSpec> = { ...SOUL_FIELDS, ...(spec.v2Aliases ? SOUL_V2_ALIAS_FIELDS : {}) };
  const fields: Record<string, FieldSpec> = {};
  for (const n of spec.pass ?? []) fields[n] = domain[n];
  for (const [from, to] of Object.entries(spec.rename ?? {})) fields[from] = domain[to];
  Object.assign(fields, spec.own?.fields);
  for (const n of spec.require ?? []) fields[n] = { ...fields[n], required: true };
  return objectSchema(fields);
}

/** A pydantic `missing` issue for a field the dialect requires and the domain does not. */
export function requireField(r: FieldReader, name: string, body: unknown) {
  if (!r.has(name)) r.issues.push({ type: 'missing', loc: [...r.location, name], msg: 'Field required', input: body });
}

function toDialectIssue(issue: FieldIssue, back: [Loc, Loc][], prefix: number, src: Record<string, unknown>): FieldIssue {
  const rest = issue.loc.slice(prefix);
  let best: [Loc, Loc] | null = null;
  for (const m of back) {
    if (m[0].length <= rest.length && m[0].every((p, i) => rest[i] === p) && (!best || m[0].length > best[0].length)) best = m;
  }
  const loc = best ? [...issue.loc.slice(0, prefix), ...best[1], ...rest.slice(best[0].length)] : issue.loc;
  // A missing field reports the object it was missing from: the caller's body, not our copy.
  const input = issue.type === 'missing' && rest.length === 1 ? src : issue.input;
  return { ...issue, loc, input };
}

// ---------------------------------------------------------------------------------------------
// Credentials and errors


const headerValue = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** A key that is present but malformed is an invalid key (401 "invalid"), not a missing one. */
const presentKey = (value: string | undefined) => {
  if (!value || value.trim() === '') return null;
  return parseKey(value) ?? { keyId: value.trim(), secret: '' };
};

/** A key carried whole in one header (`x-api-key`, `Ocp-Apim-Subscription-Key`). */
export const keyHeaderCredentials =
  (name: string): CredentialExtractor =>
  (req) =>
    presentKey(headerValue(req, name));

/** `Authorization: Bearer <key>`. */
export const bearerKeyCredentials: CredentialExtractor = (req) => {
  const m = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization') ?? '');
  return m ? presentKey(m[1]) : null;
};

/** One call per dialect: its credential scheme and error renderer share its name; it owns its URL prefixes. */
export function registerDialect(name: string, credentials: CredentialExtractor, renderError: ErrorRenderer, pathPrefixes: string[]) {
  registerCredentialScheme(name, credentials);
  registerErrorRenderer(name, renderError);
  registerDialectPaths(name, pathPrefixes);
}

/** HTTP status of a domain error in a reseller dialect: Higgsfield's, with the dialect's exceptions. */
export function statusOf(code: DomainErrorCode, overrides: Partial<Record<DomainErrorCode, number>>): number {
  return overrides[code] ?? HIGGSFIELD_STATUS[code];
}

/** Resellers answer bad input with one message; issues read `loc: msg`, loc without the `body` root. */
export function errorMessage(err: DomainError | ValidationError): string {
  if (err instanceof DomainError) return err.message;
  return err.issues.map((i) => `${i.loc.filter((p, n) => !(n === 0 && p === 'body')).join('.') || 'body'}: ${i.msg}`).join('; ');
}


// ---------------------------------------------------------------------------------------------
// Figures every rendering of a job set needs

/** Reseller dialects speak dollars; credits convert at the one documented rate. */
export function milliToUsd(milli: number): number {
  return Math.round((milli / MILLI / USD_TO_CREDITS) * 1e6) / 1e6;
}

export function setStatus(set: StoredJobSet): JobStatus {
  return jobSetStatus(set.jobs);
}

export function completedJobs(set: StoredJobSet): Job[] {
  return set.jobs.filter((j) => j.status === 'completed' && j.results);
}

/** The first job error, for sets that ended without output. */
export function setError(set: StoredJobSet): string {
  return set.jobs.find((j) => j.error)?.error ?? 'Generation failed';
}

const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

/** Queue, compute and total time of a finished set in ms (null while it runs or never ran). */
export function setTimings(set: StoredJobSet): { queueMs: number; inferenceMs: number; totalMs: number } | null {
  if (!set.jobs.length || !set.jobs.every((j) => isTerminal(j.status))) return null;
  const starts = set.jobs.map((j) => ms(j.startedAt)).filter(Number.isFinite);
  const ends = set.jobs.map((j) => ms(j.finishedAt)).filter(Number.isFinite);
  if (!ends.length) return null;
  const created = ms(set.createdAt);
  const end = Math.max(...ends);
  const start = starts.length ? Math.min(...starts) : end;
  return { queueMs: Math.max(0, start - created), inferenceMs: Math.max(0, end - start), totalMs: Math.max(0, end - created) };
}

/** What the set cost after refunds, in milli-credits. */
export function chargedMilli(set: StoredJobSet): number {
  return set.jobs.filter((j) => j.status === 'completed' || !isTerminal(j.status)).reduce((s, j) => s + j.cost, 0);
}

/** Size in bytes of a stored blob (media rows keep it). */
export function mediaSize(ctx: AppContext, key: string): Promise<number | null> {
  return ctx.media.size(key);
}

// ---------------------------------------------------------------------------------------------
// Waiting for the end of a set (WaveSpeed sync mode)

/**
 * Resolves when a set has ended or the time is up. The set-finished hook runs inside the
 * finishing transaction, so a nudge only triggers a re-read after it; a slow poll covers a
 * commit that lands after the nudge and sets finished by another process.
 */
export class SetWaiter {
  private readonly ended = new EventEmitter();

  constructor(private readonly ctx: AppContext) {
    this.ended.setMaxListeners(0);
    ctx.generation.onSetFinished(async (_trx, set) => {
      setImmediate(() => this.ended.emit(set.id));
    });
  }

  async wait(id: string, accountId: string, timeoutMs: number, signal?: AbortSignal, pollMs = 500): Promise<StoredJobSet | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const set = await this.ctx.generation.get(id, accountId);
      if (!set || set.jobs.every((j) => isTerminal(j.status))) return set ?? null;
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return set;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.ended.off(id, done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, pollMs));
        this.ended.on(id, done);
        signal?.addEventListener('abort', done);
      });
    }
  }
}

/** Aborts when the client goes away before the answer is sent, so a held request stops waiting. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) ac.abort();
  });
  return ac.signal;
}
