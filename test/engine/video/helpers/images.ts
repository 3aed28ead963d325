/** Test stills made on the fly with sharp, plus the shared face photo. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ASTRONAUT = path.resolve(here, '../../../fixtures/faces/astronaut.png');

export function astronaut(): Buffer {
  return readFileSync(ASTRONAUT);
}

/** Seeded pseudo-random bytes (xorshift), so fixtures are identical on every run. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/**
 * A photo-like texture: smooth colour gradients plus blurred noise blobs (rich in detail at
 * several scales, so shifts and zooms are measurable).
 */
export async function texture(
  width: number,
  height: number,
  seed: number,
  tint: [number, number, number] = [120, 140, 110],
): Promise<Buffer> {
  const small = Math.max(8, Math.round(width / 12));
  const smallH = Math.max(8, Math.round(height / 12));
  const blobs = await sharp(Buffer.from(noise(small * smallH * 3, seed)), { raw: { width: small, height: smallH, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  const fine = noise(width * height, seed * 7 + 3);
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      for (let c = 0; c < 3; c++) {
        const v = tint[c] * 0.55 + blobs[i * 3 + c] * 0.4 + (fine[i] - 128) * 0.12 + (40 * x) / width - 20;
        px[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * A subject (a textured warm disc) in front of a textured cool background, so a saliency matte
 * finds it and both layers carry measurable detail.
 */
export async function subjectScene(width: number, height: number): Promise<Buffer> {
  const bg = await sharp(await texture(width, height, 11, [70, 110, 150]))
    .raw()
    .toBuffer();
  const fg = await sharp(await texture(width, height, 29, [235, 120, 60]))
    .raw()
    .toBuffer();
  const r = Math.min(width, height) * 0.24;
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x + 0.5 - width / 2, y + 0.5 - height * 0.52);
      const a = Math.min(1, Math.max(0, r + 0.5 - d));
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) px[i + c] = Math.round(fg[i + c] * a + bg[i + c] * (1 - a));
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The exact RGB a clip of width x height should show at rest for this still (same resize as the engine). */
export async function restPose(image: Buffer, width: number, height: number): Promise<Uint8Array> {
  const data = await sharp(image)
    .rotate()
    .flatten({ background: '#000000' })
    .resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .removeAlpha()
    .raw()
    .toBuffer();
  return new Uint8Array(data);
}

/** Grey (BT.709 luma) of packed RGB. */
export function toGray(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(0.2126 * rgb[i * 3] + 0.7152 * rgb[i * 3 + 1] + 0.0722 * rgb[i * 3 + 2]);
  return out;
}
