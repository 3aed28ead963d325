/**
 * Reading a reseller dialect's body (WaveSpeed, Segmind, Pixazo) into the one domain request:
 * the dialect's names, the domain's meaning checks, pydantic-shaped issues in dialect names.
 */
import { type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader, type FieldSpec, type JsonSchema, objectSchema } from '../../domain/fields.js';
import { SOUL_FIELDS, SOUL_V2_ALIAS_FIELDS, type SoulParams, readSoulParams } from '../../domain/soul.js';

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
