import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipTokenizer, writeClipTokenizerFiles } from '../../../src/engine/diffusion/tokenizer/clip-tokenizer.js';
import { cleanPrompt, htmlUnescape } from '../../../src/engine/diffusion/tokenizer/text-cleaning.js';

const MERGES = new URL('../../fixtures/clip/bpe_simple_vocab_16e6.txt.gz', import.meta.url).pathname;

/**
 * Expected ids computed by OpenAI CLIP's own simple_tokenizer.py (openai/CLIP at d05afc4, run
 * with the `regex` package) on these exact strings, none of which ftfy would change.
 */
const REFERENCE: [string, number[]][] = [
  ['a photo of a cat', [49406, 320, 1125, 539, 320, 2368, 49407]],
  ['A Photo Of A CAT!!', [49406, 320, 1125, 539, 320, 2368, 748, 49407]],
  [
    'Heroic dragonborn warrior standing proudly on a rocky cliff, wearing ancient armor infused with glowing runes, holding a massive battle axe.',
    [
      49406, 24255, 9187, 2683, 8148, 2862, 11203, 525, 320, 9648, 10625, 267, 3309, 5810, 16167, 21461, 593, 18437, 1639, 542, 267, 5050,
      320, 4818, 3528, 19861, 269, 49407,
    ],
  ],
  [
    "don't stop, it's 1080p & 4K -- 2007 flash!",
    [49406, 847, 713, 1691, 267, 585, 568, 272, 271, 279, 271, 335, 261, 275, 330, 2432, 273, 271, 271, 278, 5815, 256, 49407],
  ],
  [
    "I'll be there; we've seen they're 12345 ok'd",
    [49406, 328, 1342, 655, 997, 282, 649, 1200, 2041, 889, 982, 272, 273, 274, 275, 276, 2481, 1896, 49407],
  ],
  ['café naïve résumé', [49406, 15304, 1097, 35689, 563, 29106, 7054, 4166, 49407]],
  ['東京の夜 night in tokyo', [49406, 48338, 21078, 105, 21575, 23170, 506, 930, 530, 6667, 49407]],
  ['emoji 🐉🔥 dragon', [49406, 16327, 2074, 231, 3016, 5471, 49407]],
  ['&amp;lt;b&amp;gt; html &quot;quoted&quot;', [49406, 283, 321, 285, 18231, 257, 27706, 257, 49407]],
  ['  lots\t of \n\n whitespace   ', [49406, 2958, 539, 4699, 2138, 49407]],
  [
    'mixedCASE words_with_underscores and hyphen-ated',
    [49406, 29376, 2068, 2709, 318, 593, 318, 1473, 7039, 537, 1441, 745, 576, 268, 943, 49407],
  ],
  ['<|startoftext|>hello<|endoftext|>', [49406, 49406, 3306, 49407, 49407]],
  ['', [49406, 49407]],
  ['x', [49406, 343, 49407]],
  [
    '(masterpiece:1.2), [blurry], {brackets} #hashtag @user 50% $100',
    [
      49406, 263, 12066, 281, 272, 269, 273, 2361, 314, 21977, 34067, 346, 36183, 348, 258, 9238, 287, 7031, 276, 271, 260, 259, 272, 271,
      271, 49407,
    ],
  ],
];

let tok: ClipTokenizer;
beforeAll(async () => {
  tok = await ClipTokenizer.fromMergesGz(MERGES);
});

describe('ClipTokenizer vocabulary', () => {
  it('derives the 49,408-token CLIP vocabulary with BOS 49406 and EOS 49407', () => {
    expect(tok.vocabSize).toBe(49408);
    expect(tok.bosTokenId).toBe(49406);
    expect(tok.eosTokenId).toBe(49407);
    expect(tok.padTokenId).toBe(49407);
    expect(tok.tokenId('!')).toBe(0);
    expect(tok.tokenId('a</w>')).toBe(320);
  });
});

describe('ClipTokenizer.encode', () => {
  it('encodes "a photo of a cat" as 49406 320 1125 539 320 2368 49407', () => {
    expect(tok.encode('a photo of a cat')).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
  });

  for (const [text, ids] of REFERENCE) {
    it(`matches CLIP on ${JSON.stringify(text)}`, () => {
      expect(tok.encode(text)).toEqual(ids);
    });
  }

  it('applies the ftfy fixes CLIP was trained with: curly quotes, ligatures, full-width forms, control characters', () => {
    expect(tok.encode('don\u2019t stop')).toEqual([49406, 847, 713, 1691, 49407]);
    expect(tok.encode('a \u201cquoted\u201d word')).toEqual([49406, 320, 257, 27706, 257, 2653, 49407]);
    expect(tok.encode('\ufb01 ligature')).toEqual([49406, 3589, 19915, 4490, 49407]);
    expect(tok.encode('\uff46\uff55\uff4c\uff4c \uff57\uff49\uff44\uff54\uff48 \uff41\uff42\uff43')).toEqual([
      49406, 1476, 23571, 5334, 49407,
    ]);
    expect(tok.encode('tab\u0001control')).toEqual([49406, 2648, 3366, 49407]);
  });

  it('truncates long prompts to 77 ids and keeps EOS last', () => {
    const long = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const all = tok.tokenize(long);
    expect(all.length).toBeGreaterThan(200);
    const ids = tok.encode(long);
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(49406);
    expect(ids[76]).toBe(49407);
    expect(ids.slice(1, 76)).toEqual(all.slice(0, 75));
  });

  it('round-trips text through decode', () => {
    expect(tok.decode(tok.encode('Café naïve, 東京 🐉!'))).toBe('café naïve , 東京 🐉!');
  });
});

describe('ClipTokenizer.encodePadded', () => {
  it('pads with <|endoftext|> by default and with "!" (id 0) for SD 2.x / SDXL tokenizer_2', async () => {
    const sd1 = tok.encodePadded('a photo of a cat');
    expect(sd1).toBeInstanceOf(Int32Array);
    expect(sd1).toHaveLength(77);
    expect(Array.from(sd1.slice(0, 8))).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 49407]);
    expect(sd1[76]).toBe(49407);

    const sd2 = await ClipTokenizer.fromMergesGz(MERGES, { padTokenId: 0 });
    const ids = sd2.encodePadded('a photo of a cat');
    expect(Array.from(ids.slice(0, 8))).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    expect(ids[76]).toBe(0);
  });

  it('fills every position of an over-long prompt and ends with EOS', () => {
    const ids = tok.encodePadded('cat '.repeat(200));
    expect(ids[76]).toBe(49407);
    expect(ids.filter((v) => v === 2368)).toHaveLength(75);
  });
});

describe('tokenizer folders (diffusers layout)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clip-tok-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes vocab.json, merges.txt and the config files, and reads them back identically', async () => {
    const sd2 = join(dir, 'tokenizer_2');
    await writeClipTokenizerFiles(sd2, { padToken: '!', mergesGzPath: MERGES });
    const vocab = JSON.parse(await readFile(join(sd2, 'vocab.json'), 'utf8')) as Record<string, number>;
    expect(Object.keys(vocab)).toHaveLength(49408);
    expect(vocab['<|endoftext|>']).toBe(49407);
    expect(vocab['cat</w>']).toBe(2368);
    const merges = (await readFile(join(sd2, 'merges.txt'), 'utf8')).split('\n');
    expect(merges[0]).toBe('#version: 0.2');
    expect(merges[1]).toBe('i n');
    expect(merges.filter(Boolean)).toHaveLength(48894 + 1);
    const special = JSON.parse(await readFile(join(sd2, 'special_tokens_map.json'), 'utf8'));
    expect(special.pad_token).toBe('!');
    const config = JSON.parse(await readFile(join(sd2, 'tokenizer_config.json'), 'utf8'));
    expect(config).toMatchObject({ model_max_length: 77, tokenizer_class: 'CLIPTokenizer', do_lower_case: true });

    const fromDir = await ClipTokenizer.fromDirectory(sd2);
    expect(fromDir.padTokenId).toBe(0);
    expect(fromDir.maxLength).toBe(77);
    // The folder's own pad token wins over a family fallback; an explicit id wins over both.
    expect((await ClipTokenizer.fromDirectory(sd2, { fallbackPadToken: '<|endoftext|>' })).padTokenId).toBe(0);
    expect((await ClipTokenizer.fromDirectory(sd2, { padTokenId: 49407 })).padTokenId).toBe(49407);
    const fromFiles = await ClipTokenizer.fromFiles(join(sd2, 'vocab.json'), join(sd2, 'merges.txt'));
    expect(fromFiles.padTokenId).toBe(49407);
    for (const [text, ids] of REFERENCE) {
      expect(fromDir.encode(text)).toEqual(ids);
      expect(fromFiles.encode(text)).toEqual(ids);
    }
  });

  it('defaults to the merges list shipped in assets/clip and pads with <|endoftext|> when asked', async () => {
    const sd1 = join(dir, 'tokenizer');
    await writeClipTokenizerFiles(sd1, { padToken: '<|endoftext|>' });
    const t = await ClipTokenizer.fromDirectory(sd1);
    expect(t.padTokenId).toBe(49407);
    // A folder that declares no pad token takes the family fallback.
    await rm(join(sd1, 'special_tokens_map.json'));
    await rm(join(sd1, 'tokenizer_config.json'));
    expect((await ClipTokenizer.fromDirectory(sd1, { fallbackPadToken: '!' })).padTokenId).toBe(0);
    expect((await ClipTokenizer.fromDirectory(sd1)).padTokenId).toBe(49407);
    expect(t.encode('a photo of a cat')).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
  });

  it('fromMergesGz without a path uses the shipped asset', async () => {
    const t = await ClipTokenizer.fromMergesGz();
    expect(t.vocabSize).toBe(49408);
  });
});

describe('prompt cleaning', () => {
  it('unescapes HTML twice, as CLIP does, and decodes numeric references', () => {
    expect(htmlUnescape('&amp;lt;')).toBe('&lt;');
    expect(cleanPrompt('&amp;lt;b&amp;gt;')).toBe('<b>');
    expect(htmlUnescape('&#233;&#x1F409;&eacute;')).toBe('é🐉é');
    expect(htmlUnescape('&#150;')).toBe('–');
    expect(htmlUnescape('&unknownentity; &amp')).toBe('&unknownentity; &');
  });

  it('collapses Python whitespace, trims and lowercases', () => {
    expect(cleanPrompt('  A\u3000B\u00a0\t C\u2028  ')).toBe('a b c');
  });
});
