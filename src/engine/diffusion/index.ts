/** The built-in diffusion engine (Soul text-to-image and image-to-image on ONNX Runtime). */
export {
  createDiffusionEngine,
  locateInHubCache,
  ModelMissingError,
  type DiffusionEngine,
  type DiffusionEngineOptions,
  type SoulRenderRequest,
  type SoulRenderResult,
} from './engine.js';
export { AbortError } from './abort.js';
export { DEFAULT_MODELS, defaultModelFor, pullCommand, type DefaultModel } from './default-models.js';
export { FAMILIES, detectFamily, type FamilyId, type FamilyManifest } from './families.js';
export { InitImageError, MAX_INIT_IMAGE_BYTES, MAX_INIT_IMAGE_PIXELS, type OutputFormat } from './image-io.js';
export { loadDiffusionModel, ModelFolderError, type LoadedDiffusionModel, type VaeChoice } from './model-loader.js';
export { generate, type GenerateOutput, type GenerateParams } from './pipeline.js';
export { generationSize, soul720p, MAX_OUTPUT_EDGE, type Size } from './soul-size.js';
export { makeFixtureModel, type FixtureFamily, type FixtureOptions } from './fixture/index.js';
