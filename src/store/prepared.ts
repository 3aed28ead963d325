import type { Compilable, CompiledQuery } from 'kysely';

/**
 * Hot-path queries compile once: Kysely's query compilation costs about twice the query
 * itself on SQLite. `build` must use each parameter exactly once, in argument order
 * (checked on first use), so later calls can swap in new values.
 */
export function prepared<P extends readonly unknown[], R>(build: (...params: P) => Compilable<R>) {
  let cached: CompiledQuery<R> | null = null;
  return (...params: P): CompiledQuery<R> => {
    if (!cached) {
      cached = build(...params).compile();
      if (cached.parameters.length !== params.length || cached.parameters.some((p, i) => p !== params[i])) {
        throw new Error('prepared(): the query must use each parameter once, in argument order');
      }
    }
    return { ...cached, parameters: params };
  };
}
