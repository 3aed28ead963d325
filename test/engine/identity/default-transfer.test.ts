import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../src/engine/face/character.js';
import { detectFaces, type DetectedFace } from '../../../src/engine/face/detect.js';
import { scoreIdentityRgb } from '../../../src/engine/face/score.js';
import { decodeRgb, type RgbImage } from '../../../src/engine/human/image-tensor.js';
import { meshWarpFaces } from '../../../src/engine/identity/default-transfer.js';
import { changedPixels, dilate, seamGradients } from '../../../src/engine/identity/image-quality.js';
import { convexHull, fillPolygon } from '../../../src/engine/identity/mesh-warp.js';
import { bounds, meshPoints, prepareReferences, type MeshReference } from '../../../src/engine/identity/references.js';
import { astronautSet, FACE_TARGETS, loadFaceTarget } from '../../helpers/face-targets.js';

// The default (mesh-warp) identity transfer on real photos: a character built from the
// astronaut, a mirrored and a re-lit copy; targets are other people cropped from the photos
// that ship with @vladmandic/human.
const astronaut = fs.readFileSync(new URL('../../fixtures/faces/astronaut.png', import.meta.url));
let centroid: Float32Array;
let refs: MeshReference[];

beforeAll(async () => {
  const photos = await astronautSet(astronaut);
  const c = await buildCharacter(photos);
  expect(c.status).toBe('completed');
  expect(c.accepted).toEqual([0, 1, 2]);
  centroid = c.centroid!;
  refs = await prepareReferences(c.accepted.map((i) => photos[i]));
  expect(refs).toHaveLength(3);
}, 120_000);

async function target(name: string): Promise<{ img: RgbImage; face: DetectedFace }> {
  const img = await decodeRgb(await loadFaceTarget(FACE_TARGETS.find((t) => t.name === name)!));
  const centre = (f: DetectedFace) => Math.hypot(f.box[0] + f.box[2] / 2 - img.width / 2, f.box[1] + f.box[3] / 2 - img.height / 2);
  const face = (await detectFaces(img)).sort((a, b) => centre(a) - centre(b))[0];
  return { img, face };
}

/** The face's hull grown by 2% of its width + 2 px: nothing outside it may change. */
function dilatedHull(img: RgbImage, face: DetectedFace): Uint8Array {
  const pts = meshPoints(face.mesh);
  const [x0, , x1] = bounds(pts);
  return dilate(fillPolygon(convexHull(pts), img.width, img.height), img.width, img.height, Math.ceil(0.02 * (x1 - x0)) + 2);
}

describe('mesh-warp identity transfer on real faces', () => {
  const frontal = ['facedetect-4', 'facedetect-5', 'facematch-2', 'faceid'];

  it.each(frontal)(
    '%s: raises the score to the character, changes nothing outside the face, leaves no seam',
    async (name) => {
      const { img, face } = await target(name);
      const before = await scoreIdentityRgb(img, centroid, [face]);
      const r = await meshWarpFaces(img, [face], refs, 1);
      expect(r.reports).toEqual([expect.objectContaining({ transferred: true, reference: expect.any(Number) })]);
      const after = await scoreIdentityRgb(r.image, centroid);
      expect(before).toBeLessThan(0.5); // another person
      expect(after).toBeGreaterThan(before + 0.15);

      const changed = changedPixels(img, r.image);
      const allowed = dilatedHull(img, face);
      let outside = 0,
        inside = 0;
      for (let i = 0; i < changed.length; i++) {
        if (!changed[i]) continue;
        if (allowed[i]) inside++;
        else outside++;
      }
      expect(outside).toBe(0);
      expect(inside).toBeGreaterThan(1000);

      // Seam: along the border of the changed region the edges are no stronger than the target's own
      // (a hard paste of the same face scores 8.0 against 3.3 on faceid).
      const seam = seamGradients(img, r.image);
      expect(seam.after).toBeLessThanOrEqual(seam.before * 1.15 + 0.5);
    },
    60_000,
  );

  it('raises most frontal targets to the same-person threshold', async () => {
    let reached = 0;
    for (const name of frontal) {
      const { img, face } = await target(name);
      const r = await meshWarpFaces(img, [face], refs, 1);
      if ((await scoreIdentityRgb(r.image, centroid)) >= 0.6) reached++;
    }
    expect(reached).toBeGreaterThanOrEqual(Math.ceil(frontal.length / 2));
  }, 120_000);

  it('refuses a face turned toward profile, and one behind sunglasses, with their reasons; pixels untouched', async () => {
    for (const [name, code, words] of [
      ['profile', 'profile', /turned too far/],
      ['sunglasses-1', 'occluded', /covered/],
    ] as const) {
      const { img, face } = await target(name);
      const r = await meshWarpFaces(img, [face], refs, 1);
      expect(r.reports).toEqual([expect.objectContaining({ transferred: false, code, reason: expect.stringMatching(words) })]);
      expect(Buffer.from(r.image.data).equals(Buffer.from(img.data))).toBe(true);
    }
  }, 60_000);

  it('refuses a face too small to carry an identity, and one whose mesh folds over (self-occlusion)', async () => {
    const { img, face } = await target('facedetect-4');
    // The same face's mesh shrunk to a tenth around its centre: under the minimum width.
    const [cx, cy] = [face.box[0] + face.box[2] / 2, face.box[1] + face.box[3] / 2];
    const small = {
      ...face,
      mesh: face.mesh.map(([x, y, z]) => [cx + (x - cx) / 10, cy + (y - cy) / 10, z] as (typeof face.mesh)[number]),
    };
    const r1 = await meshWarpFaces(img, [small], refs, 1);
    expect(r1.reports).toEqual([
      expect.objectContaining({ transferred: false, code: 'too_small', reason: expect.stringContaining('px wide') }),
    ]);
    // The image-right half of the mesh folded back across the nose: those triangles face away.
    const noseX = face.mesh[1][0];
    const folded = {
      ...face,
      mesh: face.mesh.map(([x, y, z]) => [x > noseX ? noseX - (x - noseX) * 0.3 : x, y, z] as (typeof face.mesh)[number]),
    };
    const r2 = await meshWarpFaces(img, [folded], refs, 1);
    expect(r2.reports).toEqual([
      expect.objectContaining({ transferred: false, code: 'self_occlusion', reason: expect.stringContaining('other side') }),
    ]);
    expect(Buffer.from(r2.image.data).equals(Buffer.from(img.data))).toBe(true);
  }, 60_000);

  it('strength 0 leaves every pixel; strength 0.5 lies between', async () => {
    const { img, face } = await target('facedetect-5');
    const zero = await meshWarpFaces(img, [face], refs, 0);
    expect(Buffer.from(zero.image.data).equals(Buffer.from(img.data))).toBe(true);
    const full = await meshWarpFaces(img, [face], refs, 1);
    const half = await meshWarpFaces(img, [face], refs, 0.5);
    let dHalf = 0,
      dFull = 0;
    for (let i = 0; i < img.data.length; i++) {
      dHalf += Math.abs(half.image.data[i] - img.data[i]);
      dFull += Math.abs(full.image.data[i] - img.data[i]);
    }
    expect(dHalf).toBeGreaterThan(0.35 * dFull);
    expect(dHalf).toBeLessThan(0.65 * dFull);
  }, 60_000);
});
