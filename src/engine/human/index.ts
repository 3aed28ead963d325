export { getHuman, withHuman } from './loader.js';
export {
  decodeRgb,
  imageToTensor,
  rgbToTensor,
  toRgb,
  ImageDecodeError,
  DEFAULT_MAX_PIXELS,
  MAX_IMAGE_BYTES,
  type RgbImage,
  type RawImage,
  type DecodedImage,
  type DecodeOptions,
} from './image-tensor.js';
export { segmentPerson, type PersonMask, type SegmentationModel, type SegmentOptions } from './segment.js';
export { loadGraphModelFromDisk, registerDiskModelRouter } from './disk-models.js';
export { humanModelsDir } from './paths.js';
export { wasmTf } from './tf-backend.js';
