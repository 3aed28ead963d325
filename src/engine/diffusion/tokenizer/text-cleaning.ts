/**
 * Prompt cleaning for the CLIP tokenizer without ftfy.
 *
 * CLIP's reference tokenizer runs ftfy.fix_text, html.unescape twice, a whitespace collapse
 * and lowercasing. We keep the ftfy steps that change real prompts (NFC, curly quotes,
 * Latin ligatures, full-width forms, control characters) and skip mojibake repair, which
 * needs ftfy's large tables and almost never applies to typed prompts.
 */

// Python's str.isspace() set. JS `\s` differs (it adds U+FEFF, lacks U+001C-U+001F and U+0085).
export const PY_WHITESPACE_CLASS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, 'g');

// The control characters ftfy's remove_control_chars drops (tab, newline, form feed, CR are kept).
const CONTROL_CHARS =
  // eslint-disable-next-line no-control-regex -- matching control characters is this pattern's job
  /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\u206a-\u206f\ufeff\ufff9-\ufffc]|\ud834[\udd73-\udd7a]|\udb40[\udc00-\udc7f]/g;

const SINGLE_CURLY_QUOTES = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_CURLY_QUOTES = /[\u201c-\u201f]/g;
const LIGATURES = /[\ufb00-\ufb06]/g;
const FULL_WIDTH = /[\uff01-\uff5e\u3000]/g;

/** Named entities we decode; the full HTML5 table (2,000+ names) is not worth shipping for prompts. */
// Laid out by hand, several entries a line, so not formatted.
// prettier-ignore
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  copy: '©', reg: '®', trade: '™', hellip: '…', mdash: '—', ndash: '–', minus: '−',
  lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„',
  laquo: '«', raquo: '»', lsaquo: '‹', rsaquo: '›', bull: '•', middot: '·', deg: '°',
  times: '×', divide: '÷', plusmn: '±', frac12: '½', frac14: '¼', frac34: '¾',
  sup1: '¹', sup2: '²', sup3: '³', micro: 'µ', para: '¶', sect: '§', euro: '€',
  pound: '£', yen: '¥', cent: '¢', curren: '¤', iexcl: '¡', iquest: '¿', shy: '\u00ad',
  ordf: 'ª', ordm: 'º', not: '¬', macr: '¯', acute: '´', cedil: '¸', uml: '¨',
  dagger: '†', Dagger: '‡', permil: '‰', prime: '′', Prime: '″', larr: '←', rarr: '→',
  uarr: '↑', darr: '↓', harr: '↔', hearts: '♥', spades: '♠', clubs: '♣', diams: '♦',
  star: '☆', check: '✓', infin: '∞', ne: '≠', le: '≤', ge: '≥', asymp: '≈',
  szlig: 'ß', aelig: 'æ', AElig: 'Æ', oelig: 'œ', OElig: 'Œ', eth: 'ð', ETH: 'Ð',
  thorn: 'þ', THORN: 'Þ', oslash: 'ø', Oslash: 'Ø', aring: 'å', Aring: 'Å',
  ccedil: 'ç', Ccedil: 'Ç', ntilde: 'ñ', Ntilde: 'Ñ',
};
// Accented Latin letters follow a regular naming scheme: build them instead of listing them.
const ACCENTS: Record<string, string> = { grave: '\u0300', acute: '\u0301', circ: '\u0302', tilde: '\u0303', uml: '\u0308' };
for (const base of 'aeiouyAEIOUY') {
  for (const [name, mark] of Object.entries(ACCENTS)) {
    const composed = (base + mark).normalize('NFC');
    if (composed.length === 1) NAMED_ENTITIES[base + name] ??= composed;
  }
}
// HTML5 still decodes these few without the trailing semicolon.
const LEGACY_NO_SEMICOLON = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);

// HTML5 maps numeric references in 0x80-0x9F through Windows-1252, as Python's html.unescape does.
// prettier-ignore
const CP1252: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x02c6, 0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc,
  0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

const ENTITY = /&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|([A-Za-z][A-Za-z0-9]*)(;?))/g;

function decodeNumeric(code: number): string {
  if (code in CP1252) return String.fromCodePoint(CP1252[code]);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(code);
}

/** One pass of HTML entity decoding (numeric references and the common named ones). */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, hex: string, dec: string, name: string, semi: string) => {
    if (hex !== undefined) return decodeNumeric(parseInt(hex, 16));
    if (dec !== undefined) return decodeNumeric(Math.min(Number(dec), 0x110000));
    if (!Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, name)) return whole;
    if (!semi && !LEGACY_NO_SEMICOLON.has(name)) return whole;
    return NAMED_ENTITIES[name];
  });
}

/** The ftfy fixes that matter for typed prompts. */
export function fixText(text: string): string {
  return text
    .normalize('NFC')
    .replace(CONTROL_CHARS, '')
    .replace(SINGLE_CURLY_QUOTES, "'")
    .replace(DOUBLE_CURLY_QUOTES, '"')
    .replace(LIGATURES, (c) => c.normalize('NFKC'))
    .replace(FULL_WIDTH, (c) => c.normalize('NFKC'));
}

/** Collapse runs of whitespace to one space and trim, with Python's notion of whitespace. */
export function collapseWhitespace(text: string): string {
  return text.replace(WHITESPACE_RUN, ' ').replace(/^ | $/g, '');
}

/** The full CLIP cleaning: fix, unescape twice (as CLIP does), collapse whitespace, lowercase. */
export function cleanPrompt(text: string): string {
  const unescaped = htmlUnescape(htmlUnescape(fixText(text)));
  // Unescaping can produce control characters again (e.g. &#1;); drop them as ftfy would have.
  return collapseWhitespace(unescaped.replace(CONTROL_CHARS, '')).toLowerCase();
}
