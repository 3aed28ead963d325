/**
 * Real faces of people other than the astronaut, for identity-transfer tests and bench: square
 * crops around faces in the photos that ship with @vladmandic/human (assets/), each resized to
 * 512 px the way a generated portrait would be. Boxes were read with src/engine/face/detect.ts.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
// The package's exports hide package.json; its main entry sits in dist/, one level below assets/.
const assets = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');

export interface FaceTarget {
  name: string;
  file: string;
  /** Face box in the asset: x, y, side. */
  box: [number, number, number];
  /** Expected to be refused, and why: turned too far, or covered (sunglasses). */
  refuse?: 'profile' | 'occluded';
}

export const FACE_TARGETS: readonly FaceTarget[] = [
  { name: 'facedetect-1', file: 'screenshot-facedetect.jpg', box: [15, 350, 133] },
  { name: 'facedetect-2', file: 'screenshot-facedetect.jpg', box: [175, 347, 133] },
  { name: 'facedetect-3', file: 'screenshot-facedetect.jpg', box: [335, 351, 126] },
  { name: 'facedetect-4', file: 'screenshot-facedetect.jpg', box: [473, 341, 143] },
  { name: 'facedetect-5', file: 'screenshot-facedetect.jpg', box: [638, 351, 134] },
  { name: 'faceid', file: 'screenshot-faceid.jpg', box: [15, 139, 134] },
  { name: 'facematch-1', file: 'screenshot-facematch.jpg', box: [296, 606, 148] },
  { name: 'sunglasses-1', file: 'screenshot-facematch.jpg', box: [312, 384, 130], refuse: 'occluded' },
  { name: 'sunglasses-2', file: 'screenshot-facematch.jpg', box: [1590, 392, 121], refuse: 'occluded' },
  { name: 'facematch-2', file: 'screenshot-facematch.jpg', box: [1278, 278, 115] },
  { name: 'facematch-3', file: 'screenshot-facematch.jpg', box: [1196, 279, 105] },
  { name: 'profile', file: 'screenshot-facematch.jpg', box: [1180, 630, 104], refuse: 'profile' },
];

/** The target as a 512 px PNG: a square 1.9 face boxes wide, kept inside the photo. */
export async function loadFaceTarget(t: FaceTarget, size = 512): Promise<Buffer> {
  const file = path.join(assets, t.file);
  const meta = await sharp(fs.readFileSync(file)).metadata();
  const side = Math.min(Math.round(t.box[2] * 1.9), meta.width!, meta.height!);
  const cx = t.box[0] + t.box[2] / 2,
    cy = t.box[1] + t.box[2] / 2;
  const left = Math.min(meta.width! - side, Math.max(0, Math.round(cx - side / 2)));
  const top = Math.min(meta.height! - side, Math.max(0, Math.round(cy - side / 2)));
  return sharp(file).extract({ left, top, width: side, height: side }).resize(size, size).png().toBuffer();
}

/** Character photos: the astronaut, mirrored, and re-lit warmer/darker (same person, other light). */
export async function astronautSet(astronautPng: Buffer): Promise<Buffer[]> {
  return [
    astronautPng,
    await sharp(astronautPng).flop().png().toBuffer(),
    await sharp(astronautPng).linear([0.95, 0.84, 0.7], [6, 2, 0]).png().toBuffer(),
  ];
}
