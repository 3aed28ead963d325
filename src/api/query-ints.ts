import type { FieldIssue } from '../domain/errors.js';
import { FieldReader } from '../domain/fields.js';

export interface QueryIntSpec {
  def: number;
  min: number;
  max: number;
}

/**
 * Integer query parameters read as FastAPI does (digits only: no 1e2, 0x10 or 1.5), each with
 * its default when absent or empty; every bad one is reported in one 422.
 */
export function queryInts<K extends string>(query: Record<string, string | undefined>, spec: Record<K, QueryIntSpec>): Record<K, number> {
  const present = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''));
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(present, ['query'], issues)!;
  const out = {} as Record<K, number>;
  for (const name of Object.keys(spec) as K[]) {
    const { def, min, max } = spec[name];
    out[name] = r.number(name, { int: true, min, max }) ?? def;
  }
  r.throwIfInvalid();
  return out;
}
