import { describe, expect, it } from 'vitest';
import type { Point } from '../face/align.js';
import { convexHull, fillPolygon, foldedTriangles, warpTriangles } from './mesh-warp.js';

const grid = (w: number, h: number) => {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    data[i * 3] = (i % w) * 4;
    data[i * 3 + 1] = Math.floor(i / w) * 4;
    data[i * 3 + 2] = 128;
  }
  return { data, width: w, height: h };
};

describe('mesh warp', () => {
  const square: Point[] = [
    [2, 2],
    [40, 2],
    [40, 40],
    [2, 40],
  ];
  const tris = [0, 1, 2, 0, 2, 3];

  it('maps each triangle affinely: identity reproduces the source, a shift moves it', () => {
    const src = grid(48, 48);
    const same = warpTriangles(src, square, square, tris, 48, 48);
    for (let y = 3; y < 40; y++) for (let x = 3; x < 40; x++) expect(same.image.data[(y * 48 + x) * 3]).toBe(src.data[(y * 48 + x) * 3]);
    const moved = warpTriangles(
      src,
      square,
      square.map(([x, y]) => [x + 5, y] as Point),
      tris,
      48,
      48,
    );
    expect(moved.image.data[(20 * 48 + 25) * 3]).toBe(src.data[(20 * 48 + 20) * 3]);
    expect(moved.covered[20 * 48 + 4]).toBe(0);
    expect(moved.covered[20 * 48 + 44]).toBe(1);
  });

  it('finds a triangle folded against the rest of the mesh', () => {
    const pts: Point[] = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [12, 5],
    ];
    // Two triangles of the square plus one sticking out with opposite winding.
    const f = foldedTriangles(pts, [0, 1, 2, 0, 2, 3, 1, 4, 2]);
    expect(Array.from(f.folded)).toEqual([0, 0, 0]);
    const g = foldedTriangles(pts, [0, 1, 2, 0, 2, 3, 1, 2, 4]);
    expect(Array.from(g.folded)).toEqual([0, 0, 1]);
    expect(g.share).toBeCloseTo(10 / 110, 5);
  });

  it('convex hull and polygon fill', () => {
    const hull = convexHull([
      [1, 1],
      [9, 1],
      [9, 9],
      [1, 9],
      [5, 5],
      [3, 4],
    ]);
    expect(hull).toHaveLength(4);
    const m = fillPolygon(hull, 12, 12);
    expect(m[5 * 12 + 5]).toBe(1);
    expect(m[0]).toBe(0);
    expect(m.reduce((a, b) => a + b, 0)).toBe(72); // rows 1..8 (half-open at the bottom edge), columns 1..9
  });
});
