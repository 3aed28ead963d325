import { describe, expect, it } from 'vitest';
import { splitByIdentity } from './character.js';
import { eyeOpenness, MESH, type MeshPoint } from './landmarks.js';
import {
  eyesIssue,
  faceCountIssue,
  faceSizeIssue,
  lightIssues,
  occlusionIssues,
  poseIssue,
  resolutionIssue,
  sortIssues,
  THRESHOLDS,
} from './photo-checks.js';
import { l2normalize } from './vector.js';

describe('photo checks', () => {
  it('refuses photos under 512x512 and names the size', () => {
    expect(resolutionIssue(512, 512)).toBeNull();
    const r = resolutionIssue(640, 256);
    expect(r?.code).toBe('resolution_too_low');
    expect(r?.message).toContain('640x256');
  });

  it('counts only faces comparable in size to the largest', () => {
    expect(faceCountIssue([])?.code).toBe('no_face');
    expect(faceCountIssue([300])).toBeNull();
    expect(faceCountIssue([300, 60])).toBeNull(); // a stranger far behind
    expect(faceCountIssue([300, 200, 150])?.code).toBe('multiple_faces');
    expect(faceCountIssue([300, 200, 150])?.message).toMatch(/^3 faces/);
  });

  it('needs the face to be 15% of the frame and 128 px wide', () => {
    expect(faceSizeIssue(145, 512)).toBeNull();
    expect(faceSizeIssue(60, 512)?.code).toBe('face_too_small');
    expect(faceSizeIssue(120, 600)?.code).toBe('face_too_small');
  });

  it('accepts a slight turn and refuses a profile', () => {
    expect(poseIssue(-20, 10)).toBeNull();
    expect(poseIssue(55, 0)?.code).toBe('face_turned');
    expect(poseIssue(0, -40)?.code).toBe('face_turned');
  });

  it('reads eye openness from the mesh lids and refuses closed eyes', () => {
    const mesh: MeshPoint[] = Array.from({ length: 478 }, () => [0, 0, 0]);
    const eye = (outer: number, inner: number, upper: number, lower: number, x: number, gap: number) => {
      mesh[outer] = [x, 100, 0];
      mesh[inner] = [x + 40, 100, 0];
      mesh[upper] = [x + 20, 100 - gap / 2, 0];
      mesh[lower] = [x + 20, 100 + gap / 2, 0];
    };
    eye(MESH.rightEyeOuter, MESH.rightEyeInner, MESH.rightEyeUpper, MESH.rightEyeLower, 0, 14);
    eye(MESH.leftEyeInner, MESH.leftEyeOuter, MESH.leftEyeUpper, MESH.leftEyeLower, 80, 14);
    const open = eyeOpenness(mesh);
    expect(open.right).toBeCloseTo(0.35, 6);
    expect(eyesIssue((open.left + open.right) / 2)).toBeNull();
    eye(MESH.rightEyeOuter, MESH.rightEyeInner, MESH.rightEyeUpper, MESH.rightEyeLower, 0, 2);
    eye(MESH.leftEyeInner, MESH.leftEyeOuter, MESH.leftEyeUpper, MESH.leftEyeLower, 80, 2);
    const shut = eyeOpenness(mesh);
    expect(eyesIssue((shut.left + shut.right) / 2)?.code).toBe('eyes_closed');
  });

  it('flags dark eye regions and light-covered lower faces, but not beards or unreadable colour', () => {
    const base = { eyeLightness: 0.9, lowerSkin: 0.95, upperSkin: 0.95, lowerLightness: 1 };
    expect(occlusionIssues(base)).toEqual([]);
    expect(occlusionIssues({ ...base, eyeLightness: 0.3 }).map((i) => i.code)).toEqual(['eyes_covered']);
    expect(occlusionIssues({ ...base, lowerSkin: 0.05 }).map((i) => i.code)).toEqual(['lower_face_covered']);
    expect(occlusionIssues({ ...base, lowerSkin: 0.05, lowerLightness: 0.4 })).toEqual([]); // dark: a beard
    expect(occlusionIssues({ ...base, lowerSkin: 0.05, upperSkin: 0.1 })).toEqual([]); // greyscale / coloured light
  });

  it('judges light by the face highlights, clipping and side balance', () => {
    expect(lightIssues({ highlightLuma: 200, clipped: 0, lightBalance: 0.9 })).toEqual([]);
    expect(lightIssues({ highlightLuma: 80, clipped: 0, lightBalance: 0.9 })[0].code).toBe('face_too_dark');
    expect(lightIssues({ highlightLuma: 255, clipped: 0.8, lightBalance: 0.95 })[0].code).toBe('face_overexposed');
    expect(lightIssues({ highlightLuma: 200, clipped: 0, lightBalance: THRESHOLDS.minLightBalance - 0.1 })[0].code).toBe('uneven_lighting');
  });

  it('reports the most basic problem first', () => {
    const sorted = sortIssues([
      { code: 'blurry', message: '' },
      { code: 'resolution_too_low', message: '' },
      { code: 'face_too_dark', message: '' },
    ]);
    expect(sorted.map((i) => i.code)).toEqual(['resolution_too_low', 'face_too_dark', 'blurry']);
  });
});

describe('splitByIdentity', () => {
  // Deterministic unit vectors around two identities.
  function around(seedDir: number[], jitter: number, k: number): Float32Array {
    return l2normalize(seedDir.map((v, i) => v + jitter * Math.sin(k * 7.3 + i * 1.7)));
  }
  const a = Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0));
  const b = Array.from({ length: 16 }, (_, i) => (i >= 8 ? 1 : 0.1));

  it('keeps the majority and refuses the other person', () => {
    const set = [around(a, 0.2, 1), around(a, 0.2, 2), around(b, 0.2, 3), around(a, 0.2, 4)];
    const r = splitByIdentity(set);
    expect(r.kept).toEqual([0, 1, 3]);
    expect(r.outliers.map((o) => o.index)).toEqual([2]);
  });

  it('refuses both photos of a two-photo set that disagree', () => {
    const r = splitByIdentity([around(a, 0.1, 1), around(b, 0.1, 2)]);
    expect(r.kept).toEqual([]);
    expect(r.outliers).toHaveLength(2);
  });

  it('keeps everything when all photos agree', () => {
    expect(splitByIdentity([around(a, 0.2, 1), around(a, 0.2, 2), around(a, 0.2, 3)]).kept).toEqual([0, 1, 2]);
  });
});
