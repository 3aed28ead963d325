// Decides whether untrusted bytes are an acceptable image: the type comes from magic bytes
// (never from a declared Content-Type), dimensions come from the file header before any
// pixel is decoded (so a tiny file declaring 100000x100000 is refused for free), and only
// then is the file decoded once, under a pixel limit, to catch truncation and corruption.
import sharp from 'sharp';

export type ImageContentType = 'image/jpeg' | 'image/png' | 'image/webp';

export type ImageRejectedCode = 'unsupported_type' | 'too_large' | 'too_many_pixels' | 'corrupt';

export class ImageRejectedError extends Error {
  readonly code: ImageRejectedCode;
  constructor(code: ImageRejectedCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageRejectedError';
    this.code = code;
  }
}

export interface ImageLimits {
  /** Largest file accepted, in bytes ('too_large'). */
  maxBytes: number;
  /** Largest width x height accepted ('too_many_pixels'). */
  maxPixels: number;
  /** Optional per-side limits, also reported as 'too_many_pixels'. */
  maxWidth?: number;
  maxHeight?: number;
}

export interface ImageInfo {
  contentType: ImageContentType;
  /** Stored dimensions (before any EXIF rotation). */
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function bytesAt(b: Uint8Array, offset: number, expected: readonly number[]): boolean {
  if (b.length < offset + expected.length) return false;
  return expected.every((v, i) => b[offset + i] === v);
}

function asciiAt(b: Uint8Array, offset: number, text: string): boolean {
  return bytesAt(
    b,
    offset,
    [...text].map((c) => c.charCodeAt(0)),
  );
}

/** Identifies JPEG, PNG and WebP from their magic bytes; anything else is null. */
export function sniffImageType(bytes: Uint8Array): ImageContentType | null {
  if (bytesAt(bytes, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (bytesAt(bytes, 0, PNG_SIGNATURE)) return 'image/png';
  if (asciiAt(bytes, 0, 'RIFF') && asciiAt(bytes, 8, 'WEBP')) return 'image/webp';
  return null;
}

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const u32le = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

function pngDimensions(b: Uint8Array): { width: number; height: number } | null {
  // The first chunk must be IHDR with 13 data bytes: width and height lead it.
  if (b.length < 33 || u32be(b, 8) !== 13 || !asciiAt(b, 12, 'IHDR')) return null;
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

function isStartOfFrame(marker: number): boolean {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegDimensions(b: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i < b.length) {
    if (b[i] !== 0xff) return null;
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    if (i >= b.length) return null;
    const marker = b[i];
    i++;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // markers without a length
    if (marker === 0xd9 || marker === 0xda) return null; // image data before any frame header
    if (i + 2 > b.length) return null;
    const length = u16be(b, i);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      if (length < 7 || i + 7 > b.length) return null;
      return { height: u16be(b, i + 3), width: u16be(b, i + 5) };
    }
    i += length;
  }
  return null;
}

function webpDimensions(b: Uint8Array): { width: number; height: number } | null {
  if (b.length < 30) return null;
  if (asciiAt(b, 12, 'VP8 ')) {
    // Lossy bitstream: keyframe tag, start code 9d 01 2a, then 14-bit sizes.
    if (!bytesAt(b, 23, [0x9d, 0x01, 0x2a])) return null;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (asciiAt(b, 12, 'VP8L')) {
    if (b[20] !== 0x2f) return null;
    const bits = u32le(b, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (asciiAt(b, 12, 'VP8X')) {
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  return null;
}

/** Dimensions as the file header declares them, without decoding; null if the header is unreadable. */
export function readHeaderDimensions(bytes: Uint8Array, type: ImageContentType): { width: number; height: number } | null {
  const dims = type === 'image/png' ? pngDimensions(bytes) : type === 'image/jpeg' ? jpegDimensions(bytes) : webpDimensions(bytes);
  if (!dims || dims.width < 1 || dims.height < 1) return null;
  return dims;
}

const SHARP_FORMAT: Record<ImageContentType, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/**
 * Accepts an untrusted image or throws ImageRejectedError. Cheap checks first (size, magic
 * bytes, header dimensions), then one bounded decode that must read every pixel of the first
 * frame without error.
 */
export async function inspectImage(bytes: Buffer, limits: ImageLimits): Promise<ImageInfo> {
  if (bytes.length > limits.maxBytes) {
    throw new ImageRejectedError('too_large', `The image is ${bytes.length} bytes; the limit is ${limits.maxBytes} bytes`);
  }
  const contentType = sniffImageType(bytes);
  if (!contentType) throw new ImageRejectedError('unsupported_type', 'Unsupported image type: only JPEG, PNG and WebP are accepted');
  const dims = readHeaderDimensions(bytes, contentType);
  if (!dims) throw new ImageRejectedError('corrupt', 'The image header is corrupt or truncated');
  const { width, height } = dims;
  if (width * height > limits.maxPixels) {
    throw new ImageRejectedError('too_many_pixels', `The image is ${width}x${height} pixels; the limit is ${limits.maxPixels} pixels`);
  }
  if ((limits.maxWidth !== undefined && width > limits.maxWidth) || (limits.maxHeight !== undefined && height > limits.maxHeight)) {
    throw new ImageRejectedError(
      'too_many_pixels',
      `The image is ${width}x${height} pixels; the limit is ${limits.maxWidth ?? '∞'}x${limits.maxHeight ?? '∞'}`,
    );
  }
  try {
    // limitInputPixels is a second fence should a header ever disagree with what libvips reads.
    const image = sharp(bytes, { failOn: 'error', limitInputPixels: Math.max(1, limits.maxPixels) });
    const meta = await image.metadata();
    if (meta.format !== SHARP_FORMAT[contentType] || meta.width !== width || meta.height !== height) {
      throw new ImageRejectedError('corrupt', 'The image header is inconsistent');
    }
    // Decoding to a tiny thumbnail still reads all the compressed data, so truncation and
    // corrupt data surface here, while memory stays bounded.
    await image.resize(16, 16, { fit: 'inside' }).raw().toBuffer();
  } catch (err) {
    if (err instanceof ImageRejectedError) throw err;
    throw new ImageRejectedError('corrupt', 'The image data is corrupt or truncated', { cause: err });
  }
  return { contentType, width, height };
}
