import { type FieldIssue, ValidationError } from './errors.js';

type Loc = (string | number)[];

/** Strings pydantic's lax mode reads as an int / a float (surrounding whitespace allowed). */
const LAX_INT = /^\s*[+-]?\d+\s*$/;
const LAX_FLOAT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Reads typed fields out of an untrusted JSON object and collects pydantic-style issues, so
 * every dialect reports bad input the same way (each surface only renders them).
 */
export class FieldReader {
  readonly issues: FieldIssue[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly loc: Loc,
  ) {}

  get location(): Loc {
    return this.loc;
  }

  static object(value: unknown, loc: Loc, issues: FieldIssue[]): FieldReader | null {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      issues.push({ type: 'dict_type', loc, msg: 'Input should be a valid dictionary or object to extract fields from', input: value });
      return null;
    }
    return new FieldReader(value as Record<string, unknown>, loc);
  }

  private raw(name: string): unknown {
    this.seen.add(name);
    return this.obj[name];
  }

  has(name: string): boolean {
    return this.obj[name] !== undefined && this.obj[name] !== null;
  }

  private missing(name: string) {
    this.issues.push({ type: 'missing', loc: [...this.loc, name], msg: 'Field required', input: this.obj });
  }

  string(name: string, opts: { required?: boolean; min?: number; max?: number } = {}): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) {
      if (opts.required) this.missing(name);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.issues.push({ type: 'string_type', loc: [...this.loc, name], msg: 'Input should be a valid string', input: v });
      return undefined;
    }
    if (opts.min !== undefined && v.trim().length < opts.min) {
      this.issues.push({
        type: 'string_too_short',
        loc: [...this.loc, name],
        msg: `String should have at least ${opts.min} character${opts.min === 1 ? '' : 's'}`,
        input: v,
        ctx: { min_length: opts.min },
      });
      return undefined;
    }
    if (opts.max !== undefined && v.length > opts.max) {
      this.issues.push({
        type: 'string_too_long',
        loc: [...this.loc, name],
        msg: `String should have at most ${opts.max} characters`,
        input: v,
        ctx: { max_length: opts.max },
      });
      return undefined;
    }
    return v;
  }

  /** A shared secret echoed back as an HTTP header value: printable ASCII only, or it can never be sent. */
  headerSecret(name: string, opts: { required?: boolean; min?: number } = {}): string | undefined {
    const v = this.string(name, { ...opts, max: 512 });
    if (v === undefined) return undefined;
    if (!/^[\x20-\x7e]*$/.test(v)) {
      this.issues.push({
        type: 'string_pattern_mismatch',
        loc: [...this.loc, name],
        msg: "String should match pattern '^[\\x20-\\x7e]*$' (printable ASCII: it is sent back as a header)",
        input: v,
        ctx: { pattern: '^[\\x20-\\x7e]*$' },
      });
      return undefined;
    }
    return v;
  }

  literal<T extends string | number>(name: string, allowed: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) {
      if (opts.required) this.missing(name);
      return undefined;
    }
    if (!allowed.includes(v as T)) {
      const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a)));
      const expected = list.length <= 2 ? list.join(' or ') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
      this.issues.push({
        type: 'literal_error',
        loc: [...this.loc, name],
        msg: `Input should be ${expected}`,
        input: v,
        ctx: { expected },
      });
      return undefined;
    }
    return v as T;
  }

  number(name: string, opts: { required?: boolean; int?: boolean; min?: number; max?: number } = {}): number | undefined {
    const raw = this.raw(name);
    if (raw === undefined || raw === null) {
      if (opts.required) this.missing(name);
      return undefined;
    }
    // Pydantic's lax mode (FastAPI's default) takes numbers written as strings: "42", " 0.5 ".
    let v = raw;
    if (typeof raw === 'string') {
      const pattern = opts.int ? LAX_INT : LAX_FLOAT;
      if (!pattern.test(raw)) {
        this.issues.push(
          opts.int
            ? {
                type: 'int_parsing',
                loc: [...this.loc, name],
                msg: 'Input should be a valid integer, unable to parse string as an integer',
                input: raw,
              }
            : {
                type: 'float_parsing',
                loc: [...this.loc, name],
                msg: 'Input should be a valid number, unable to parse string as a number',
                input: raw,
              },
        );
        return undefined;
      }
      v = Number(raw.trim());
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v))) {
      this.issues.push(
        opts.int
          ? { type: 'int_type', loc: [...this.loc, name], msg: 'Input should be a valid integer', input: v }
          : { type: 'float_type', loc: [...this.loc, name], msg: 'Input should be a valid number', input: v },
      );
      return undefined;
    }
    if (opts.min !== undefined && v < opts.min) {
      this.issues.push({
        type: 'greater_than_equal',
        loc: [...this.loc, name],
        msg: `Input should be greater than or equal to ${opts.min}`,
        input: raw,
        ctx: { ge: opts.min },
      });
      return undefined;
    }
    if (opts.max !== undefined && v > opts.max) {
      this.issues.push({
        type: 'less_than_equal',
        loc: [...this.loc, name],
        msg: `Input should be less than or equal to ${opts.max}`,
        input: raw,
        ctx: { le: opts.max },
      });
      return undefined;
    }
    return v;
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.issues.push({ type: 'bool_type', loc: [...this.loc, name], msg: 'Input should be a valid boolean', input: v });
      return undefined;
    }
    return v;
  }

  uuid(name: string): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) {
      this.issues.push({ type: 'uuid_parsing', loc: [...this.loc, name], msg: 'Input should be a valid UUID', input: v });
      return undefined;
    }
    return v.toLowerCase();
  }

  url(name: string, opts: { required?: boolean } = {}): string | undefined {
    const v = this.string(name, opts);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      return v;
    } catch {
      this.issues.push({ type: 'url_parsing', loc: [...this.loc, name], msg: 'Input should be a valid URL', input: v });
      return undefined;
    }
  }

  /** `{type: "image_url", image_url}` objects, as v1 spells image inputs. */
  imageRef(name: string, opts: { required?: boolean } = {}): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) {
      if (opts.required) this.missing(name);
      return undefined;
    }
    const r = FieldReader.object(v, [...this.loc, name], this.issues);
    if (!r) return undefined;
    readField(r, 'type', IMAGE_REF_FIELDS.type);
    const url = readField(r, 'image_url', IMAGE_REF_FIELDS.image_url);
    r.forbidExtra();
    this.issues.push(...r.issues);
    return url;
  }

  list(name: string, opts: { required?: boolean; min?: number; max?: number } = {}): unknown[] | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) {
      if (opts.required) this.missing(name);
      return undefined;
    }
    if (!Array.isArray(v)) {
      this.issues.push({ type: 'list_type', loc: [...this.loc, name], msg: 'Input should be a valid list', input: v });
      return undefined;
    }
    if (opts.min !== undefined && v.length < opts.min) {
      this.issues.push({
        type: 'too_short',
        loc: [...this.loc, name],
        msg: `List should have at least ${opts.min} item${opts.min === 1 ? '' : 's'} after validation, not ${v.length}`,
        input: v,
      });
      return undefined;
    }
    if (opts.max !== undefined && v.length > opts.max) {
      this.issues.push({
        type: 'too_long',
        loc: [...this.loc, name],
        msg: `List should have at most ${opts.max} items after validation, not ${v.length}`,
        input: v,
      });
      return undefined;
    }
    return v;
  }

  /** Reads a field as its spec declares (see readField). */
  read<S extends FieldSpec>(name: string, spec: S): ValueOf<S> | undefined {
    return readField(this, name, spec);
  }

  /** Mark fields as read without validating them (accepted and ignored for compatibility). */
  ignore(...names: string[]) {
    for (const n of names) this.seen.add(n);
  }

  forbidExtra() {
    for (const k of Object.keys(this.obj)) {
      if (!this.seen.has(k))
        this.issues.push({ type: 'extra_forbidden', loc: [...this.loc, k], msg: 'Extra inputs are not permitted', input: this.obj[k] });
    }
  }

  fail(name: string, msg: string, input?: unknown) {
    this.issues.push({ type: 'value_error', loc: [...this.loc, name], msg, input });
  }

  throwIfInvalid() {
    if (this.issues.length) throw new ValidationError(this.issues);
  }
}

// ---------------------------------------------------------------------------------------------
// Field specs: one declaration read by FieldReader.read and described by fieldSchema, so the
// OpenAPI document states exactly the enums, ranges and defaults the readers enforce.

export type JsonSchema = Record<string, unknown>;

interface SpecCommon {
  required?: boolean;
  description?: string;
  example?: unknown;
  /** Extra JSON Schema for checks the reader makes by lookup (a catalog's ids). */
  schema?: JsonSchema;
}
export type StringSpec = SpecCommon & { kind: 'string'; min?: number; max?: number; default?: string };
export type LiteralSpec<T extends string | number = string | number> = SpecCommon & { kind: 'literal'; values: readonly T[]; default?: T };
export type NumberSpec = SpecCommon & { kind: 'number'; int?: boolean; min?: number; max?: number; default?: number };
export type BooleanSpec = SpecCommon & { kind: 'boolean'; default?: boolean };
export type UuidSpec = SpecCommon & { kind: 'uuid' };
export type UrlSpec = SpecCommon & { kind: 'url' };
export type SecretSpec = SpecCommon & { kind: 'headerSecret'; min?: number };
export type ImageRefSpec = SpecCommon & { kind: 'imageRef' };
export type ListSpec = SpecCommon & { kind: 'list'; min?: number; max?: number; items: FieldSpec };
export type ObjectSpec = SpecCommon & { kind: 'object'; fields: Record<string, FieldSpec> };
export type FieldSpec =
  StringSpec | LiteralSpec | NumberSpec | BooleanSpec | UuidSpec | UrlSpec | SecretSpec | ImageRefSpec | ListSpec | ObjectSpec;

export type ValueOf<S> =
  S extends LiteralSpec<infer T>
    ? T
    : S extends NumberSpec
      ? number
      : S extends BooleanSpec
        ? boolean
        : S extends ListSpec
          ? unknown[]
          : S extends ObjectSpec
            ? Record<string, unknown>
            : string;

/** Reads one field as its spec says (objects are read field by field by their owner). */
export function readField<S extends FieldSpec>(r: FieldReader, name: string, spec: S): ValueOf<S> | undefined {
  const s = spec as FieldSpec;
  switch (s.kind) {
    case 'string':
      return r.string(name, s) as ValueOf<S> | undefined;
    case 'literal':
      return r.literal(name, s.values, s) as ValueOf<S> | undefined;
    case 'number':
      return r.number(name, s) as ValueOf<S> | undefined;
    case 'boolean':
      return r.boolean(name) as ValueOf<S> | undefined;
    case 'uuid':
      return r.uuid(name) as ValueOf<S> | undefined;
    case 'url':
      return r.url(name, s) as ValueOf<S> | undefined;
    case 'headerSecret':
      return r.headerSecret(name, s) as ValueOf<S> | undefined;
    case 'imageRef':
      return r.imageRef(name, s) as ValueOf<S> | undefined;
    case 'list':
      return r.list(name, s) as ValueOf<S> | undefined;
    case 'object':
      throw new Error(`object field ${name} is read by its owner`);
  }
}

/** JSON Schema (OpenAPI 3.0 dialect) of one field spec. */
export function fieldSchema(spec: FieldSpec): JsonSchema {
  const out: JsonSchema = {};
  switch (spec.kind) {
    case 'string':
      Object.assign(out, { type: 'string', minLength: spec.min, maxLength: spec.max });
      break;
    case 'literal':
      Object.assign(out, { type: typeof spec.values[0] === 'number' ? 'integer' : 'string', enum: [...spec.values] });
      break;
    case 'number':
      Object.assign(out, { type: spec.int ? 'integer' : 'number', minimum: spec.min, maximum: spec.max });
      break;
    case 'boolean':
      out.type = 'boolean';
      break;
    case 'uuid':
      Object.assign(out, { type: 'string', format: 'uuid' });
      break;
    case 'url':
      Object.assign(out, { type: 'string', format: 'uri', pattern: '^https?://' });
      break;
    case 'headerSecret':
      Object.assign(out, { type: 'string', minLength: spec.min, maxLength: 512, pattern: '^[\\x20-\\x7e]*$' });
      break;
    case 'imageRef':
      Object.assign(out, objectSchema(IMAGE_REF_FIELDS));
      break;
    case 'list':
      Object.assign(out, { type: 'array', minItems: spec.min, maxItems: spec.max, items: fieldSchema(spec.items) });
      break;
    case 'object':
      Object.assign(out, objectSchema(spec.fields));
      break;
  }
  if (spec.description) out.description = spec.description;
  if ('default' in spec && spec.default !== undefined) out.default = spec.default;
  if (spec.example !== undefined) out.example = spec.example;
  Object.assign(out, spec.schema);
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** A closed object of specs (readers forbid extra fields, so does the schema). */
export function objectSchema(fields: Record<string, FieldSpec>, extra: JsonSchema = {}): JsonSchema {
  const required = Object.entries(fields)
    .filter(([, s]) => s.required)
    .map(([n]) => n);
  return {
    type: 'object',
    ...(required.length ? { required } : {}),
    properties: Object.fromEntries(Object.entries(fields).map(([n, s]) => [n, fieldSchema(s)])),
    additionalProperties: false,
    ...extra,
  };
}

/** `{type: "image_url", image_url}` as FieldReader.imageRef reads it. */
export const IMAGE_REF_FIELDS = {
  type: { kind: 'literal', values: ['image_url'] as const },
  image_url: { kind: 'url', required: true },
} as const satisfies Record<string, FieldSpec>;
