import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const root = path.resolve(import.meta.dirname, '../..');
/** The NASA astronaut photo (public domain), a neutral photo for moderation tests. */
export const astronautPng = () => fs.readFileSync(path.join(root, 'test/fixtures/faces/astronaut.png'));

/**
 * A line drawing traced from a photo (Laplacian edges, thresholded): a drawn image that the
 * nsfwjs classifier puts in its Drawing class (about 0.87 for the astronaut, against 0.03 for
 * the photo), so tests can cross a configured Drawing threshold with real pixels.
 */
export async function lineDrawing(photo: Buffer): Promise<Buffer> {
  return sharp(photo)
    .greyscale()
    .convolve({ width: 3, height: 3, kernel: [-1, -1, -1, -1, 8, -1, -1, -1, -1] })
    .threshold(40)
    .negate()
    .png()
    .toBuffer();
}
