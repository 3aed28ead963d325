export * from './fp16.js';
export * from './metadata.js';
export * from './tensors.js';
export * from './providers.js';
export * from './session.js';
