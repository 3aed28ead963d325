/**
 * How much of a caller's input an error may repeat back. Errors name what was wrong; echoing a
 * 1 MB prompt in full would turn every bad request into a 1 MB answer (and log line).
 */
export const ECHO_MAX_CHARS = 200;
const ECHO_MAX_ITEMS = 10;
const ECHO_MAX_DEPTH = 4;

/** The first `max` characters of text, with how much was left out. */
export function bounded(text: string, max = ECHO_MAX_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A value as an error echoes it: long strings cut, lists and objects shortened, nesting limited. */
export function boundedValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return bounded(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= ECHO_MAX_DEPTH) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) {
    const items = value.slice(0, ECHO_MAX_ITEMS).map((v) => boundedValue(v, depth + 1));
    return value.length > ECHO_MAX_ITEMS ? [...items, `… (${value.length - ECHO_MAX_ITEMS} more items)`] : items;
  }
  const entries = Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, ECHO_MAX_ITEMS)) out[bounded(k, 64)] = boundedValue(v, depth + 1);
  if (entries.length > ECHO_MAX_ITEMS) out['…'] = `${entries.length - ECHO_MAX_ITEMS} more keys`;
  return out;
}
