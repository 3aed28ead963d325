/**
 * Default diffusion models per execution provider. Facts from
 * ../shared/reference/engine-facts.md §1.5 (public ONNX repos and sizes), §8 (licences) and
 * §9.3-9.4 (CPU wants fp32 exports, the Olive fp16 repos run only on the CUDA provider), and the
 * repos' Hugging Face file listings.
 */
import type { ExecutionProviderName } from '../onnx/index.js';

export interface DefaultModel {
  /** Hugging Face repo id. */
  repo: string;
  /** Only these files are needed: the repos also hold PyTorch weights of the same size. */
  files: string[];
  /** Approximate download size of `files`. */
  downloadSize: string;
  licence: string;
  notes: string;
}

export const DEFAULT_MODELS: Record<ExecutionProviderName, DefaultModel> = {
  // fp32 Optimum export (commit "add-onnx #11"): unet model.onnx 1.95 MB + model.onnx_data
  // 3.44 GB, text_encoder 493 MB, vae_decoder 198 MB, vae_encoder 137 MB. LCM: 4 steps, no CFG
  // batch (guidance enters as timestep_cond), so it is the few-step fp32 model that runs on CPU.
  cpu: {
    repo: 'SimianLuo/LCM_Dreamshaper_v7',
    files: [
      'model_index.json',
      'scheduler/scheduler_config.json',
      'tokenizer/*',
      'text_encoder/config.json',
      'text_encoder/model.onnx',
      'unet/config.json',
      'unet/model.onnx',
      'unet/model.onnx_data',
      'vae_decoder/config.json',
      'vae_decoder/model.onnx',
      'vae_encoder/config.json',
      'vae_encoder/model.onnx',
    ],
    downloadSize: '4.3 GB',
    licence: 'MIT',
    notes: 'LCM Dreamshaper v7 (SD 1.5 based), fp32 ONNX, 4 steps',
  },
  // Olive-optimised fp16 SD-Turbo for the CUDA provider (unet 1.73 GB, total about 2.58 GB);
  // its card says it cannot run on other providers such as CPU.
  cuda: {
    repo: 'onnxruntime/sd-turbo',
    files: [
      'model_index.json',
      'scheduler/scheduler_config.json',
      'tokenizer/*',
      'text_encoder/*',
      'unet/*',
      'vae_decoder/*',
      'vae_encoder/*',
    ],
    downloadSize: '2.6 GB',
    licence: 'sai-nc-community (Stability AI non-commercial research community licence; commercial use needs a Stability AI licence)',
    notes: 'SD-Turbo fp16 ONNX (Olive), 1-4 steps at 512x512, CUDA only',
  },
};

export function defaultModelFor(provider: ExecutionProviderName): DefaultModel {
  return DEFAULT_MODELS[provider];
}

/** The exact CLI command that installs `repo` (with the file filter when it is a known default). */
export function pullCommand(repo: string): string {
  const bare = repo.lastIndexOf('@') > 0 ? repo.slice(0, repo.lastIndexOf('@')) : repo;
  const known = Object.values(DEFAULT_MODELS).find((m) => m.repo === bare);
  return known ? `npx opensoul models pull ${repo} --only '${known.files.join(',')}'` : `npx opensoul models pull ${repo}`;
}
