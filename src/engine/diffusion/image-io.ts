import sharp from 'sharp';
import { coverScale, enlargedToCover } from './enlarge.js';
import { withPngText } from './png-text.js';
import type { Size } from './soul-size.js';

export type OutputFormat = 'png' | 'jpeg' | 'webp';

/** Limits on user-supplied init images: bytes and decoded pixels (decompression bombs). */
export const MAX_INIT_IMAGE_BYTES = 32 * 1024 * 1024;
export const MAX_INIT_IMAGE_PIXELS = 40_000_000;

/**
 * Decodes any image sharp reads, applies its EXIF orientation, flattens alpha on white, and
 * crops/resizes it to cover `size` exactly. Returns interleaved 8-bit RGB.
 */
export async function loadInitImage(bytes: Buffer, size: Size): Promise<Buffer> {
  if (bytes.length > MAX_INIT_IMAGE_BYTES) throw new RangeError(`init image is larger than ${MAX_INIT_IMAGE_BYTES} bytes`);
  try {
    return await sharp(bytes, { limitInputPixels: MAX_INIT_IMAGE_PIXELS, failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(size.width, size.height, { fit: 'cover', kernel: 'lanczos3' })
      .removeAlpha()
      .raw()
      .toBuffer();
  } catch (err) {
    throw new InitImageError(`init image could not be decoded: ${(err as Error).message}`);
  }
}

export class InitImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InitImageError';
  }
}

/**
 * Brings a generated RGB image to the exact output size (cover-crop when the generation aspect
 * differs slightly) and encodes it: a centred enlargement when it must grow, else Lanczos-3.
 * PNGs carry `parameters` in a text chunk.
 */
export async function encodeOutput(rgb: Buffer, from: Size, to: Size, format: OutputFormat, parameters: string): Promise<Buffer> {
  let img: sharp.Sharp;
  if (coverScale(from, to) > 1) {
    img = await enlargedToCover(rgb, from, to);
  } else {
    img = sharp(rgb, { raw: { width: from.width, height: from.height, channels: 3 } });
    if (from.width !== to.width || from.height !== to.height) img = img.resize(to.width, to.height, { fit: 'cover', kernel: 'lanczos3' });
  }
  switch (format) {
    case 'png':
      // zlib level 4: a quarter less encode time than libpng's default 6 for 0.1-0.3% more bytes
      // on a 1536x2048 output (npx tsx bench/png.ts); below 3 the files grow fast.
      return withPngText(await img.png({ compressionLevel: 4 }).toBuffer(), 'parameters', parameters);
    case 'jpeg':
      return img.jpeg({ quality: 92, mozjpeg: false }).toBuffer();
    case 'webp':
      return img.webp({ quality: 90 }).toBuffer();
  }
}
