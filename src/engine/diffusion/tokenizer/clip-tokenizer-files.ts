/**
 * Writes a diffusers-layout CLIP tokenizer folder (vocab.json, merges.txt,
 * special_tokens_map.json, tokenizer_config.json) from the merges list the project ships,
 * so generated fixture models carry real, loadable tokenizer files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BOS_TOKEN, DEFAULT_MERGES_GZ_PATH, EOS_TOKEN, parseMergesGz, vocabFromMerges } from './clip-vocab.js';

/** SD 1.x and SDXL `tokenizer` pad with '<|endoftext|>'; SD 2.x and SDXL `tokenizer_2` with '!'. */
export type ClipPadToken = '<|endoftext|>' | '!';

export interface WriteClipTokenizerOptions {
  padToken: ClipPadToken;
  /** Defaults to the shipped assets/clip/bpe_simple_vocab_16e6.txt.gz. */
  mergesGzPath?: string;
}

/** The shape Hugging Face writes for special tokens in these files. */
function addedToken(content: string) {
  return { content, lstrip: false, normalized: true, rstrip: false, single_word: false };
}

export async function writeClipTokenizerFiles(dir: string, opts: WriteClipTokenizerOptions): Promise<void> {
  const merges = parseMergesGz(await readFile(opts.mergesGzPath ?? DEFAULT_MERGES_GZ_PATH));
  const tokens = vocabFromMerges(merges);
  // Null prototype: a token spelled like an Object.prototype key must stay a plain data key.
  const vocab: Record<string, number> = Object.create(null);
  tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  const special = {
    bos_token: addedToken(BOS_TOKEN),
    eos_token: addedToken(EOS_TOKEN),
    pad_token: opts.padToken,
    unk_token: addedToken(EOS_TOKEN),
  };
  const config = {
    add_prefix_space: false,
    bos_token: addedToken(BOS_TOKEN),
    do_lower_case: true,
    eos_token: addedToken(EOS_TOKEN),
    errors: 'replace',
    model_max_length: 77,
    pad_token: opts.padToken,
    tokenizer_class: 'CLIPTokenizer',
    unk_token: addedToken(EOS_TOKEN),
  };
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'vocab.json'), JSON.stringify(vocab)),
    writeFile(join(dir, 'merges.txt'), `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`),
    writeFile(join(dir, 'special_tokens_map.json'), JSON.stringify(special, null, 2)),
    writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2)),
  ]);
}
