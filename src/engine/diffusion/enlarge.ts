import sharp from 'sharp';
import type { Size } from './soul-size.js';

/** Edge pixels replicated around the input so the bicubic taps never read the black background. */
const PAD = 3;

/** The one scale factor that makes `from` cover `to` (> 1 means the image must grow). */
export function coverScale(from: Size, to: Size): number {
  return Math.max(to.width / from.width, to.height / from.height);
}

/**
 * Enlarges interleaved RGB by coverScale(from, to), cropped to the centre: libvips' bicubic
 * affine with pixel centres aligned (output x + ½ = s·(input x + ½)). sharp's resize() enlarges
 * half an output pixel off centre, which on a 2x–1.5x enlargement of a photo cost 2.6–4.9 dB of
 * PSNR against the original (`npx tsx bench/upscale.ts`); this costs the same time. The crop
 * offset goes into the affine's output offset, so an odd crop stays exactly centred.
 *
 * Returns the pending crop of the enlarged pixels, so the caller's encoder runs in the same
 * libvips pipeline (sharp applies extend before and extract after an affine only across passes,
 * hence the two passes here).
 */
export async function enlargedToCover(rgb: Buffer, from: Size, to: Size): Promise<sharp.Sharp> {
  const s = coverScale(from, to);
  if (!(s >= 1)) throw new RangeError(`enlargeToCover: ${from.width}x${from.height} already covers ${to.width}x${to.height}`);
  const padded = await sharp(rgb, { raw: { ...from, channels: 3 } })
    .extend({ top: PAD, bottom: PAD, left: PAD, right: PAD, extendWith: 'copy' })
    .raw()
    .toBuffer();
  const offset = (cropped: number, target: number) => s * (0.5 - PAD) - 0.5 - (cropped * s - target) / 2;
  const { data, info } = await sharp(padded, { raw: { width: from.width + 2 * PAD, height: from.height + 2 * PAD, channels: 3 } })
    .affine([s, 0, 0, s], {
      interpolator: sharp.interpolators.bicubic,
      odx: offset(from.width, to.width),
      ody: offset(from.height, to.height),
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width < to.width || info.height < to.height)
    throw new Error(`affine gave ${info.width}x${info.height}, short of ${to.width}x${to.height}`);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).extract({ left: 0, top: 0, ...to });
}

/** enlargedToCover as interleaved RGB of exactly `to`. */
export async function enlargeToCover(rgb: Buffer, from: Size, to: Size): Promise<Buffer> {
  return (await enlargedToCover(rgb, from, to)).raw().toBuffer();
}
