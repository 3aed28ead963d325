/** Hugging Face hub downloads into the local model cache. */
export { pullModel, parseRepoRef } from './pull.js';
export { listModels, findInstalledModel, modelDir, MANIFEST_FILE } from './cache.js';
export { createProgressReporter, formatBytes, formatDuration, type ProgressStream, type ProgressReporterOptions } from './progress.js';
export { HubError, HubIntegrityError } from './errors.js';
export { DEFAULT_ENDPOINT } from './hub-api.js';
export type { HubFile, InstalledModel, ManifestFile, ModelManifest, PullOptions, PullProgressEvent, PullResult } from './types.js';
