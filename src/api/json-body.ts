/**
 * Request bodies: JSON with a nesting limit. Deeply nested input costs nothing to send but
 * overflows the stack of every recursive reader, hasher and serializer after the parser.
 */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of JSON text, counted outside strings; stops early once over `limit`. */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** A body that is not JSON (or nests too deep); rendered as FastAPI's `json_invalid` issue. */
export class JsonBodyError extends Error {}

/** Parsed body, undefined for an empty one (some clients POST `{}`-less with a JSON type). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepthExceeds(text)) throw new JsonBodyError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new JsonBodyError((e as Error).message);
  }
}
