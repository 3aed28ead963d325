/**
 * Colour consistency for image sets: the pooled per-channel mean and spread of reference images,
 * and a per-channel linear map that moves an image's own statistics towards them (the classic
 * mean/variance colour transfer, done by libvips in one pass).
 */
import sharp from 'sharp';

export interface PaletteStats {
  mean: [number, number, number];
  std: [number, number, number];
}

/** Pooled statistics of several images: every pixel of every image counts alike per image. */
export async function paletteOf(images: Buffer[]): Promise<PaletteStats> {
  if (!images.length) throw new Error('paletteOf needs at least one image');
  const mean = [0, 0, 0];
  const second = [0, 0, 0];
  for (const img of images) {
    const st = await sharp(img).removeAlpha().toColourspace('srgb').stats();
    for (let c = 0; c < 3; c++) {
      const ch = st.channels[c] ?? st.channels[0];
      mean[c] += ch.mean / images.length;
      second[c] += (ch.stdev * ch.stdev + ch.mean * ch.mean) / images.length;
    }
  }
  const std = mean.map((m, c) => Math.sqrt(Math.max(0, second[c] - m * m)));
  return { mean: mean as PaletteStats['mean'], std: std as PaletteStats['std'] };
}

const MAX_GAIN = 4;

/** Moves `image`'s colour statistics `amount` (0..1) of the way to `target`; returns a PNG. */
export async function matchPalette(image: Buffer, target: PaletteStats, amount: number): Promise<Buffer> {
  const own = await paletteOf([image]);
  const t = Math.min(1, Math.max(0, amount));
  const a: number[] = [];
  const b: number[] = [];
  for (let c = 0; c < 3; c++) {
    const m = (1 - t) * own.mean[c] + t * target.mean[c];
    const s = (1 - t) * own.std[c] + t * target.std[c];
    const gain = own.std[c] > 1e-3 ? Math.min(MAX_GAIN, Math.max(1 / MAX_GAIN, s / own.std[c])) : 1;
    a.push(gain);
    b.push(m - gain * own.mean[c]);
  }
  return sharp(image).removeAlpha().toColourspace('srgb').linear(a, b).png({ compressionLevel: 4 }).toBuffer();
}
