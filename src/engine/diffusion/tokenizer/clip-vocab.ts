/**
 * CLIP's vocabulary, byte-level alphabet and merges-file parsing.
 *
 * The 49,408-token vocabulary of every Stable Diffusion CLIP tokenizer is derived from the
 * merges list shipped with OpenAI CLIP: the 256-symbol byte alphabet, the same symbols with
 * `</w>`, one token per merge, then `<|startoftext|>` (49406) and `<|endoftext|>` (49407).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';
export const END_OF_WORD = '</w>';
/** CLIP keeps merges[1 : 49152-256-2+1] of its merges file: 48,894 merges. */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;

/** The merges file shipped with the project (OpenAI CLIP, MIT; see assets/clip/LICENSE). */
export const DEFAULT_MERGES_GZ_PATH = fileURLToPath(new URL('../../../../assets/clip/bpe_simple_vocab_16e6.txt.gz', import.meta.url));

/**
 * The reversible byte -> printable character map of GPT-2 / CLIP: printable Latin-1 bytes map
 * to themselves, the other 68 bytes to code points from 256 upwards, so BPE never sees
 * whitespace or control characters. Index = byte value.
 */
export function byteToUnicodeTable(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  let next = 256;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCharCode(next++);
  return table;
}

/** The alphabet in CLIP's vocabulary order: printable bytes first, then the remapped ones. */
export function byteAlphabetInVocabOrder(): string[] {
  const table = byteToUnicodeTable();
  const printable: string[] = [];
  const remapped: string[] = [];
  for (let b = 0; b < 256; b++) (table[b].charCodeAt(0) === b ? printable : remapped).push(table[b]);
  // Printable bytes keep their byte order; remapped ones follow in byte order, as in CLIP.
  return [...printable, ...remapped];
}

export type Merge = readonly [string, string];

function parseMergeLines(lines: string[]): Merge[] {
  const merges: Merge[] = [];
  for (const line of lines) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2 || !parts[0]) continue;
    merges.push([parts[0], parts[1]]);
  }
  return merges;
}

/** Merges from CLIP's gzipped `bpe_simple_vocab_16e6.txt.gz` (first line is a header). */
export function parseMergesGz(gz: Uint8Array): Merge[] {
  const lines = gunzipSync(gz).toString('utf8').split('\n');
  return parseMergeLines(lines.slice(1, CLIP_MERGE_COUNT + 1));
}

/** Merges from a Hugging Face `merges.txt` (optional `#version` header line). */
export function parseMergesTxt(text: string): Merge[] {
  const lines = text.split('\n');
  if (lines.length && lines[0].startsWith('#version')) lines.shift();
  return parseMergeLines(lines);
}

/** CLIP's token list (index = id) built from its merges, exactly as CLIP builds it. */
export function vocabFromMerges(merges: readonly Merge[]): string[] {
  const alphabet = byteAlphabetInVocabOrder();
  return [...alphabet, ...alphabet.map((c) => c + END_OF_WORD), ...merges.map(([a, b]) => a + b), BOS_TOKEN, EOS_TOKEN];
}

export async function readDefaultMerges(path: string = DEFAULT_MERGES_GZ_PATH): Promise<Merge[]> {
  return parseMergesGz(await readFile(path));
}
