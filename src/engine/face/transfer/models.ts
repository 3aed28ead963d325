import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE, modelDir } from '../../hub/index.js';

/**
 * The two models identity transfer needs, as pulled from the Hugging Face hub with
 * `opensoul models pull`. Both are InsightFace releases whose pretrained weights are licensed
 * for NON-COMMERCIAL RESEARCH USE ONLY (InsightFace python-package README; the code is MIT):
 * a commercial deployment must bring its own licensed swapper and recogniser with the same
 * interfaces.
 */
export interface IdentityModelSpec {
  role: 'swapper' | 'recognizer';
  /** Hub repository (owner/name) and the file inside it. */
  repo: string;
  file: string;
  size: string;
  licence: string;
  description: string;
  /** Other hub copies of the same file. */
  mirrors: string[];
}

export const IDENTITY_MODELS: Record<'swapper' | 'recognizer', IdentityModelSpec> = {
  swapper: {
    role: 'swapper',
    repo: 'ezioruan/inswapper_128.onnx',
    file: 'inswapper_128.onnx',
    size: '554 MB',
    licence: 'InsightFace pretrained model: non-commercial research use only',
    description: 'InsightFace inswapper_128: target [1,3,128,128] + source [1,512] -> [1,3,128,128], with its emap',
    mirrors: ['thebiglaskowski/inswapper_128.onnx'],
  },
  recognizer: {
    role: 'recognizer',
    repo: 'public-data/insightface',
    file: 'models/buffalo_l/w600k_r50.onnx',
    size: '174 MB',
    licence: 'InsightFace pretrained model (buffalo_l): non-commercial research use only',
    description: 'ArcFace ResNet-50 trained on WebFace600K: [N,3,112,112] -> [N,512]',
    mirrors: ['fofr/comfyui (insightface/models/buffalo_l/w600k_r50.onnx)'],
  },
};

/** Manual placement, for models copied in by hand: <modelsDir>/identity/<file name>. */
export const MANUAL_IDENTITY_DIR = 'identity';

export function pullCommandFor(spec: IdentityModelSpec): string {
  return `opensoul models pull ${spec.repo} --only '${spec.file}'`;
}

/** The installed file of a model: a hub download (any revision with a manifest, "main" first) or a manual copy. */
export function findIdentityModel(modelsDir: string, spec: IdentityModelSpec): string | null {
  const repoRoot = path.dirname(modelDir(modelsDir, spec.repo, 'main'));
  let revisions: string[] = [];
  try {
    revisions = readdirSync(repoRoot, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    revisions = [];
  }
  revisions.sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a.localeCompare(b)));
  for (const rev of revisions) {
    const dir = path.join(repoRoot, rev);
    const file = path.join(dir, ...spec.file.split('/'));
    if (existsSync(path.join(dir, MANIFEST_FILE)) && existsSync(file)) return file;
  }
  const manual = path.join(path.resolve(modelsDir), MANUAL_IDENTITY_DIR, path.basename(spec.file));
  return existsSync(manual) ? manual : null;
}

export interface IdentityModelsStatus {
  ok: boolean;
  /** Human-readable names of the missing models. */
  missing: string[];
  /** Command(s) that install what is missing ('' when nothing is). */
  pullCommand: string;
  swapperPath: string | null;
  recognizerPath: string | null;
}

/**
 * Whether identity transfer can run from `modelsDir`; the API answers a character request with a
 * 400 carrying `pullCommand` when it cannot.
 */
export function identityModelsStatus(modelsDir: string): IdentityModelsStatus {
  const swapperPath = findIdentityModel(modelsDir, IDENTITY_MODELS.swapper);
  const recognizerPath = findIdentityModel(modelsDir, IDENTITY_MODELS.recognizer);
  const missingSpecs = [swapperPath ? null : IDENTITY_MODELS.swapper, recognizerPath ? null : IDENTITY_MODELS.recognizer].filter(
    (s): s is IdentityModelSpec => s !== null,
  );
  return {
    ok: missingSpecs.length === 0,
    missing: missingSpecs.map((s) => `${s.role} ${s.repo}/${s.file} (${s.size}; ${s.licence})`),
    pullCommand: missingSpecs.map(pullCommandFor).join(' && '),
    swapperPath,
    recognizerPath,
  };
}
