import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Files every usable diffusers ONNX folder needs; SDXL also needs the *_2 pair. */
const REQUIRED = [
  'model_index.json',
  'unet/model.onnx',
  'text_encoder/model.onnx',
  'vae_decoder/model.onnx',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
];
const REQUIRED_XL = ['text_encoder_2/model.onnx', 'tokenizer_2/vocab.json', 'tokenizer_2/merges.txt'];

/** Relative paths missing from `dir` for it to be a loadable model (empty when complete). */
export function missingModelFiles(dir: string): string[] {
  if (!existsSync(dir)) return REQUIRED;
  const missing = REQUIRED.filter((f) => !existsSync(join(dir, f)));
  const xl = existsSync(join(dir, 'text_encoder_2')) || existsSync(join(dir, 'tokenizer_2'));
  if (xl) missing.push(...REQUIRED_XL.filter((f) => !existsSync(join(dir, f))));
  return missing;
}

export function componentPath(dir: string, component: string): string | undefined {
  const p = join(dir, component, 'model.onnx');
  return existsSync(p) ? p : undefined;
}

/** A JSON object file, or undefined when absent. Config files are small; cap them anyway. */
export async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (text.length > 1_000_000) throw new Error(`${path} is too large for a config file`);
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path} is not a JSON object`);
  return value as Record<string, unknown>;
}
