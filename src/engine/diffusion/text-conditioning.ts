import type { Tensor } from 'onnxruntime-node';
import { disposeAll, findInput, idsInput, toFloat32, type OnnxModel, type RunTiming } from '../onnx/index.js';
import { concatLastAxis } from './latents.js';
import type { LoadedDiffusionModel } from './model-loader.js';
import type { ClipTokenizer } from './tokenizer/clip-tokenizer.js';

/** Text conditioning of one prompt: [1, S, D] hidden states (+ SDXL's pooled [1, P]). */
export interface PromptEmbedding {
  hidden: Float32Array;
  sequence: number;
  dim: number;
  pooled?: Float32Array;
}

async function runEncoder(
  encoder: OnnxModel,
  tokenizer: ClipTokenizer,
  prompt: string,
  hiddenOutput: string,
  pooledOutput: string | undefined,
  timing: RunTiming,
): Promise<{ hidden: Float32Array; dims: readonly number[]; pooled?: Float32Array }> {
  const info = findInput(encoder.description, 'input_ids') ?? encoder.description.inputs[0];
  const ids = tokenizer.encodePadded(prompt);
  const outputs = encoder.description.outputs.map((o) => o.name);
  // Exports name the main output last_hidden_state; fall back to the first output otherwise.
  const hiddenName = hiddenOutput || (outputs.includes('last_hidden_state') ? 'last_hidden_state' : outputs[0]);
  const names = pooledOutput ? [hiddenName, pooledOutput] : [hiddenName];
  const feed = idsInput(info, ids, [1, ids.length]);
  let out: Record<string, Tensor> | undefined;
  try {
    out = await encoder.run({ [info.name]: feed }, timing, names);
    const h = out[hiddenName];
    // Copy: the pipeline keeps these across runs while ORT output buffers are per call.
    return {
      hidden: Float32Array.from(toFloat32(h)),
      dims: h.dims,
      pooled: pooledOutput ? Float32Array.from(toFloat32(out[pooledOutput])) : undefined,
    };
  } finally {
    disposeAll([feed, ...Object.values(out ?? {})]);
  }
}

/**
 * SD/LCM: last_hidden_state of the one encoder. SDXL: hidden_states[-2] of both encoders joined
 * on the channel axis, and text_encoder_2's text_embeds as the pooled embedding.
 */
export async function encodePrompt(model: LoadedDiffusionModel, prompt: string, timing: RunTiming): Promise<PromptEmbedding> {
  if (!model.textEncoder2 || !model.tokenizer2) {
    const r = await runEncoder(model.textEncoder, model.tokenizer, prompt, '', undefined, timing);
    return { hidden: r.hidden, sequence: r.dims[1], dim: r.dims[2] };
  }
  const a = await runEncoder(model.textEncoder, model.tokenizer, prompt, model.hiddenStateOutput, undefined, timing);
  const b = await runEncoder(model.textEncoder2, model.tokenizer2, prompt, model.hiddenStateOutput2 ?? '', 'text_embeds', timing);
  if (a.dims[1] !== b.dims[1]) throw new Error('the two text encoders disagree on sequence length');
  return {
    hidden: concatLastAxis(a.hidden, a.dims[2], b.hidden, b.dims[2]),
    sequence: a.dims[1],
    dim: a.dims[2] + b.dims[2],
    pooled: b.pooled,
  };
}

/** SDXL's force_zeros_for_empty_prompt: the unconditional embedding is all zeros. */
export function zeroEmbedding(like: PromptEmbedding): PromptEmbedding {
  return {
    hidden: new Float32Array(like.hidden.length),
    sequence: like.sequence,
    dim: like.dim,
    pooled: like.pooled ? new Float32Array(like.pooled.length) : undefined,
  };
}
