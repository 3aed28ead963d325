import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';

/** Packed 8-bit RGB pixels, row-major, 3 bytes per pixel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Any interleaved 8-bit image with 1, 3 or 4 channels (channels inferred from the length). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** Default ceiling on decoded pixels: a 40 MP photo; larger inputs are refused before decoding. */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Largest encoded input we accept. */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

export interface DecodeOptions {
  /** Refuse images with more pixels than this (checked from the header, before decoding). */
  maxPixels?: number;
  /** Downscale (never upscale) so the longer side is at most this; the original size is still reported. */
  maxSide?: number;
}

export interface DecodedImage extends RgbImage {
  /** Size of the encoded image after EXIF orientation, before any maxSide downscale. */
  originalWidth: number;
  originalHeight: number;
}

export class ImageDecodeError extends Error {
  constructor(
    message: string,
    readonly code: 'image_too_large' | 'image_unreadable',
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/**
 * Decodes any sharp-readable image to RGB with EXIF orientation applied (phone photos are often
 * stored sideways), alpha flattened on black and a pixel limit enforced before decoding.
 */
export async function decodeRgb(bytes: Buffer, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.byteLength > MAX_IMAGE_BYTES) throw new ImageDecodeError(`image is larger than ${MAX_IMAGE_BYTES} bytes`, 'image_too_large');
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageDecodeError(`image could not be read: ${(err as Error).message}`, 'image_unreadable');
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError('image has no dimensions', 'image_unreadable');
  if (meta.width * meta.height > maxPixels) {
    throw new ImageDecodeError(`image has ${meta.width * meta.height} pixels, more than the ${maxPixels} allowed`, 'image_too_large');
  }
  const swapped = (meta.orientation ?? 1) >= 5; // orientations 5-8 rotate by 90 degrees
  const originalWidth = swapped ? meta.height : meta.width;
  const originalHeight = swapped ? meta.width : meta.height;
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
    if (opts.maxSide && Math.max(originalWidth, originalHeight) > opts.maxSide) {
      pipeline = pipeline.resize(opts.maxSide, opts.maxSide, { fit: 'inside', withoutEnlargement: true });
    }
    const { data, info } = await pipeline
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      originalWidth,
      originalHeight,
    };
  } catch (err) {
    throw new ImageDecodeError(`image could not be decoded: ${(err as Error).message}`, 'image_unreadable');
  }
}

/** Converts interleaved 1/3/4-channel pixels to packed RGB. */
export function toRgb(img: RawImage): RgbImage {
  const n = img.width * img.height;
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0)
    throw new Error('invalid image size');
  if (n > DEFAULT_MAX_PIXELS) throw new Error(`image has ${n} pixels, more than the ${DEFAULT_MAX_PIXELS} allowed`);
  const channels = img.data.length / n;
  if (channels === 3)
    return { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height };
  if (channels !== 1 && channels !== 4)
    throw new Error(`image data length ${img.data.length} does not match ${img.width}x${img.height} with 1, 3 or 4 channels`);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels === 1) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = img.data[i];
    } else {
      out[i * 3] = img.data[i * 4];
      out[i * 3 + 1] = img.data[i * 4 + 1];
      out[i * 3 + 2] = img.data[i * 4 + 2];
    }
  }
  return { data: out, width: img.width, height: img.height };
}

/** A [1, h, w, 3] float32 tensor in 0..255, the layout human.detect accepts. Caller disposes it. */
export function rgbToTensor(img: RgbImage): tf.Tensor4D {
  return tf.tensor4d(new Float32Array(img.data), [1, img.height, img.width, 3], 'float32');
}

/**
 * Decodes an encoded image (or takes raw pixels) into a detection input tensor, refusing
 * images over the pixel limit. Caller disposes the tensor.
 */
export async function imageToTensor(
  image: Buffer | RawImage,
  opts: DecodeOptions = {},
): Promise<{ tensor: tf.Tensor4D; width: number; height: number }> {
  const rgb = Buffer.isBuffer(image) ? await decodeRgb(image, opts) : toRgb(image);
  if (!Buffer.isBuffer(image) && rgb.width * rgb.height > (opts.maxPixels ?? DEFAULT_MAX_PIXELS))
    throw new Error('image exceeds the pixel limit');
  return { tensor: rgbToTensor(rgb), width: rgb.width, height: rgb.height };
}
