/**
 * CLIP BPE tokenizer (the text side of every Stable Diffusion family), in TypeScript.
 *
 * encode(): clean the prompt (see text-cleaning.ts), split it with CLIP's pattern, map each
 * piece's UTF-8 bytes to the byte-level alphabet, apply BPE merges by rank with `</w>`
 * marking the end of a word, and look the pieces up in the vocabulary. BOS/EOS wrap the
 * ids; prompts longer than maxLength are cut so that EOS stays last.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BOS_TOKEN,
  DEFAULT_MERGES_GZ_PATH,
  END_OF_WORD,
  EOS_TOKEN,
  type Merge,
  byteToUnicodeTable,
  parseMergesGz,
  parseMergesTxt,
  vocabFromMerges,
} from './clip-vocab.js';
import { PY_WHITESPACE_CLASS, cleanPrompt } from './text-cleaning.js';

export { writeClipTokenizerFiles, type ClipPadToken } from './clip-tokenizer-files.js';

export interface ClipTokenizerOptions {
  /** Id used after EOS by encodePadded: 49407 (SD 1.x, SDXL tokenizer) or 0 ("!", SD 2.x, SDXL tokenizer_2). */
  padTokenId?: number;
  /** Total length including BOS and EOS (77 for every SD text encoder). */
  maxLength?: number;
}

// CLIP's split pattern: special tokens, English contractions, letter runs, single digits, other symbol runs.
const SPLIT_PATTERN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${PY_WHITESPACE_CLASS}\\p{L}\\p{N}]+`,
  'giu',
);
// Bounded so a long-running server fed arbitrary prompts cannot grow it without limit.
const BPE_CACHE_LIMIT = 50_000;

export class ClipTokenizer {
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly vocabSize: number;
  readonly maxLength: number;

  private readonly encoder: Map<string, number>;
  private readonly decoder: Map<number, string>;
  private readonly ranks: Map<string, number>;
  private readonly byteEncoder = byteToUnicodeTable();
  private readonly utf8 = new TextEncoder();
  private readonly cache = new Map<string, string[]>();

  constructor(vocab: Map<string, number>, merges: readonly Merge[], opts: ClipTokenizerOptions = {}) {
    this.encoder = vocab;
    this.decoder = new Map([...vocab].map(([token, id]) => [id, token]));
    // Symbols never contain a space (the byte alphabet maps space to 'Ġ'), so it is a safe key separator.
    this.ranks = new Map(merges.map(([a, b], rank) => [`${a} ${b}`, rank]));
    const bos = vocab.get(BOS_TOKEN);
    const eos = vocab.get(EOS_TOKEN);
    if (bos === undefined || eos === undefined) throw new Error(`CLIP vocabulary lacks ${BOS_TOKEN} or ${EOS_TOKEN}`);
    this.bosTokenId = bos;
    this.eosTokenId = eos;
    this.padTokenId = opts.padTokenId ?? eos;
    this.maxLength = opts.maxLength ?? 77;
    if (this.maxLength < 2) throw new Error('maxLength must leave room for BOS and EOS');
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
  }

  /** From a Hugging Face tokenizer folder's vocab.json and merges.txt. */
  static async fromFiles(vocabJsonPath: string, mergesTxtPath: string, opts?: ClipTokenizerOptions): Promise<ClipTokenizer> {
    const { vocab, merges } = await readVocabAndMerges(vocabJsonPath, mergesTxtPath);
    return new ClipTokenizer(vocab, merges, opts);
  }

  /**
   * From a diffusers `tokenizer/` folder: vocab.json + merges.txt, with the pad token and
   * max length read from special_tokens_map.json / tokenizer_config.json when present.
   * Precedence for the pad token: opts.padTokenId, the folder's pad_token, opts.fallbackPadToken,
   * then EOS.
   */
  static async fromDirectory(dir: string, opts: ClipTokenizerOptions & { fallbackPadToken?: string } = {}): Promise<ClipTokenizer> {
    const settings = await readTokenizerSettings(dir);
    const { vocab, merges } = await readVocabAndMerges(join(dir, 'vocab.json'), join(dir, 'merges.txt'));
    let padTokenId = opts.padTokenId;
    const padToken = settings.padToken ?? opts.fallbackPadToken;
    if (padTokenId === undefined && padToken !== undefined) {
      padTokenId = vocab.get(padToken);
      if (padTokenId === undefined) throw new Error(`${dir}: pad token ${JSON.stringify(padToken)} is not in vocab.json`);
    }
    return new ClipTokenizer(vocab, merges, { padTokenId, maxLength: opts.maxLength ?? settings.maxLength });
  }

  /** From CLIP's own gzipped merges list; the vocabulary is derived the way CLIP derives it. */
  static async fromMergesGz(path: string = DEFAULT_MERGES_GZ_PATH, opts?: ClipTokenizerOptions): Promise<ClipTokenizer> {
    const merges = parseMergesGz(await readFile(path));
    const vocab = new Map(vocabFromMerges(merges).map((token, id) => [token, id]));
    return new ClipTokenizer(vocab, merges, opts);
  }

  /** Id of a vocabulary entry such as '!' or '<|endoftext|>'; throws if absent. */
  tokenId(token: string): number {
    const id = this.encoder.get(token);
    if (id === undefined) throw new Error(`token ${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  }

  /** Token ids without BOS/EOS and without truncation. */
  tokenize(text: string): number[] {
    const ids: number[] = [];
    for (const match of cleanPrompt(text).matchAll(SPLIT_PATTERN)) {
      for (const piece of this.bpe(this.toByteSymbols(match[0]))) {
        // Every BPE output is in CLIP's vocabulary; unknown pieces (foreign vocab files) map to EOS, CLIP's unk.
        ids.push(this.encoder.get(piece) ?? this.eosTokenId);
      }
    }
    return ids;
  }

  /** BOS + ids + EOS, cut to maxLength with EOS kept last; no padding. */
  encode(text: string): number[] {
    const body = this.tokenize(text).slice(0, this.maxLength - 2);
    return [this.bosTokenId, ...body, this.eosTokenId];
  }

  /** encode() padded with padTokenId to exactly maxLength, as the text encoders take it. */
  encodePadded(text: string): Int32Array {
    const ids = this.encode(text);
    const out = new Int32Array(this.maxLength).fill(this.padTokenId);
    out.set(ids);
    return out;
  }

  /** Text back from ids (special tokens and padding dropped); for logs and tests. */
  decode(ids: ArrayLike<number>): string {
    const byteDecoder = new Map(this.byteEncoder.map((c, b) => [c, b]));
    const bytes: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.bosTokenId || id === this.eosTokenId) continue;
      const token = this.decoder.get(id);
      if (token === undefined) continue;
      for (const ch of token.replaceAll(END_OF_WORD, ' ')) {
        const b = byteDecoder.get(ch);
        if (b !== undefined) bytes.push(b);
        else bytes.push(...this.utf8.encode(ch));
      }
    }
    return new TextDecoder().decode(new Uint8Array(bytes)).trim();
  }

  private toByteSymbols(piece: string): string {
    if (piece === BOS_TOKEN || piece === EOS_TOKEN) return piece;
    let out = '';
    for (const b of this.utf8.encode(piece)) out += this.byteEncoder[b];
    return out;
  }

  /** BPE on one pre-split piece: merge the lowest-ranked adjacent pair until none applies. */
  private bpe(token: string): string[] {
    if (token === BOS_TOKEN || token === EOS_TOKEN) return [token];
    const cached = this.cache.get(token);
    if (cached) return cached;
    let word = Array.from(token);
    word[word.length - 1] += END_OF_WORD;
    while (word.length > 1) {
      let bestRank = Infinity;
      let bestFirst = '';
      let bestSecond = '';
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestFirst = word[i];
          bestSecond = word[i + 1];
        }
      }
      if (bestRank === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === bestFirst && word[i + 1] === bestSecond) {
          merged.push(bestFirst + bestSecond);
          i++;
        } else {
          merged.push(word[i]);
        }
      }
      word = merged;
    }
    if (this.cache.size >= BPE_CACHE_LIMIT) this.cache.clear();
    this.cache.set(token, word);
    return word;
  }
}

async function readVocabAndMerges(vocabJsonPath: string, mergesTxtPath: string): Promise<{ vocab: Map<string, number>; merges: Merge[] }> {
  const [vocabText, mergesText] = await Promise.all([readFile(vocabJsonPath, 'utf8'), readFile(mergesTxtPath, 'utf8')]);
  const parsed = JSON.parse(vocabText) as Record<string, unknown>;
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(parsed)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new Error(`${vocabJsonPath}: bad id for ${JSON.stringify(token)}`);
    vocab.set(token, id);
  }
  return { vocab, merges: parseMergesTxt(mergesText) };
}

interface TokenizerSettings {
  padToken?: string;
  maxLength?: number;
}

/** special_tokens_map.json / tokenizer_config.json write tokens as strings or {content: ...} objects. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

async function readJsonIfPresent(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readTokenizerSettings(dir: string): Promise<TokenizerSettings> {
  const special = await readJsonIfPresent(join(dir, 'special_tokens_map.json'));
  const config = await readJsonIfPresent(join(dir, 'tokenizer_config.json'));
  const padToken = tokenContent(special?.pad_token) ?? tokenContent(config?.pad_token);
  const rawMax = config?.model_max_length;
  // Some configs carry a huge sentinel (1e30) meaning "unset"; only accept sane lengths.
  const maxLength = typeof rawMax === 'number' && Number.isInteger(rawMax) && rawMax >= 2 && rawMax <= 4096 ? rawMax : undefined;
  return { padToken, maxLength };
}
