/**
 * Where the identity-transfer models live. Two ways to install them, tried in this order:
 *
 * 1. `opensoul models pull` into the hub cache (`<modelsDir>/<owner>--<name>/main/<file>`), from
 *    one of the candidate repositories below;
 * 2. files copied by hand into `<modelsDir>/identity/` under the names in LOCAL_FILES.
 *
 * Licences: both models are InsightFace weights. InsightFace's code is MIT, but its README says
 * the pretrained models "are available for non-commercial research purposes only"; the hub
 * mirrors below re-host those same weights (some label the repository MIT or Apache-2.0, which
 * does not change the weights' terms). A commercial deployment needs its own licence from
 * InsightFace or a differently licensed swapper/recogniser with the same signatures.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { findInstalledModel } from '../hub/index.js';

export interface IdentityModelCandidate {
  /** Hugging Face repository. */
  repo: string;
  /** Path of the ONNX file inside it. */
  file: string;
  /** Approximate download size. */
  size: string;
  licence: string;
}

const INSIGHTFACE_LICENCE = 'InsightFace pretrained weights: non-commercial research use only';

/** inswapper_128: target [1,3,128,128] + source [1,512] -> [1,3,128,128]; `emap` initializer. */
export const SWAPPER_CANDIDATES: readonly IdentityModelCandidate[] = [
  {
    repo: 'ezioruan/inswapper_128.onnx',
    file: 'inswapper_128.onnx',
    size: '554 MB',
    licence: `${INSIGHTFACE_LICENCE} (no licence stated on the repository)`,
  },
  {
    repo: 'netrunner-exe/Insight-Swap-models-onnx',
    file: 'inswapper_128.fp16.onnx',
    size: '277 MB',
    licence: `${INSIGHTFACE_LICENCE} (fp16 conversion; no licence stated on the repository)`,
  },
];

/** ArcFace R50 trained on WebFace600K (buffalo_l): [N,3,112,112] -> [N,512]. */
export const RECOGNIZER_CANDIDATES: readonly IdentityModelCandidate[] = [
  {
    repo: 'public-data/insightface',
    file: 'models/buffalo_l/w600k_r50.onnx',
    size: '174 MB',
    licence: `${INSIGHTFACE_LICENCE} (mirror of the buffalo_l pack)`,
  },
  {
    repo: 'bes-dev/roop',
    file: 'buffalo_l/w600k_r50.onnx',
    size: '174 MB',
    licence: `${INSIGHTFACE_LICENCE} (repository labelled Apache-2.0, weights are InsightFace's)`,
  },
];

/** Hand-copied files: `<modelsDir>/identity/<name>`. */
export const LOCAL_DIR = 'identity';
export const LOCAL_FILES = {
  swapper: ['inswapper_128.onnx', 'inswapper_128.fp16.onnx'],
  recognizer: ['w600k_r50.onnx'],
} as const;

export function pullCommand(c: IdentityModelCandidate): string {
  return `npx opensoul models pull ${c.repo} --only '${c.file}'`;
}

export interface IdentityModelsStatus {
  ok: boolean;
  /** 'swapper' and/or 'recognizer'. */
  missing: string[];
  /** What is installed, or the exact pull command(s) for what is not. */
  message: string;
  swapperPath?: string;
  recognizerPath?: string;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

async function locate(
  modelsDir: string,
  candidates: readonly IdentityModelCandidate[],
  localNames: readonly string[],
): Promise<string | undefined> {
  for (const c of candidates) {
    const dir = await findInstalledModel(modelsDir, c.repo);
    if (dir && isFile(join(dir, ...c.file.split('/')))) return join(dir, ...c.file.split('/'));
  }
  for (const name of localNames) {
    const p = join(modelsDir, LOCAL_DIR, name);
    if (isFile(p)) return p;
  }
  return undefined;
}

/** Whether both identity-transfer models are installed, and where. */
export async function identityModelsStatus(modelsDir: string): Promise<IdentityModelsStatus> {
  const swapperPath = await locate(modelsDir, SWAPPER_CANDIDATES, LOCAL_FILES.swapper);
  const recognizerPath = await locate(modelsDir, RECOGNIZER_CANDIDATES, LOCAL_FILES.recognizer);
  const missing: string[] = [];
  const commands: string[] = [];
  if (!swapperPath) {
    missing.push('swapper');
    commands.push(pullCommand(SWAPPER_CANDIDATES[0]));
  }
  if (!recognizerPath) {
    missing.push('recognizer');
    commands.push(pullCommand(RECOGNIZER_CANDIDATES[0]));
  }
  if (missing.length === 0) {
    return {
      ok: true,
      missing,
      message: `identity transfer models installed: swapper ${swapperPath}, recogniser ${recognizerPath}`,
      swapperPath,
      recognizerPath,
    };
  }
  const what = missing
    .map((m) => (m === 'swapper' ? 'the face swapper (inswapper_128)' : 'the ArcFace recogniser (buffalo_l w600k_r50)'))
    .join(' and ');
  return {
    ok: false,
    missing,
    message:
      `The optional InsightFace upgrade needs ${what}, not installed on this server (Soul ID runs on the shipped mesh-warp engine). Install with: ${commands.join(' && ')} ` +
      `(or copy the files into ${join(modelsDir, LOCAL_DIR)}/). These InsightFace weights are licensed for non-commercial research use only.`,
    ...(swapperPath ? { swapperPath } : {}),
    ...(recognizerPath ? { recognizerPath } : {}),
  };
}
