/**
 * First-last-frame transitions. Each one starts exactly on the start image (t = 0) and ends
 * exactly on the end image (t = 1); in between the images move and blend. Both images are
 * already at output size, so the rest pose is an exact copy.
 */
import type { TransitionKind } from '../../domain/motions.js';
import { coverNeeded, layerMove, moveToAffine, type Affine, type CameraState, type LayerMove } from './camera.js';
import { ease, smoothstep } from './easing.js';
import { blurRows } from './motion-blur.js';
import { streamFor } from './prng.js';
import { lerpWord, warpRgbx, type RgbxImage } from './warp.js';

export interface TransitionRenderer {
  /**
   * Renders clip time t in [0, 1] with the camera state (already enveloped to rest at both
   * ends) into out (RGBX words; `bytes` is the same memory).
   */
  render(t: number, camera: CameraState, out: Uint32Array, bytes: Uint8Array, dt: number): void;
}

interface Images {
  start: RgbxImage;
  end: RgbxImage;
  width: number;
  height: number;
}

/** Camera move plus the transition's own zoom and shift, zoomed just enough to hide the edges. */
function moveFor(camera: CameraState, w: number, h: number, extraZoom: number, extraDx: number, cover: boolean): LayerMove {
  const m = layerMove(camera, 1, w, h);
  m.scale *= Math.exp(extraZoom);
  if (cover) {
    const need = coverNeeded(m, w, h);
    if (need > 1) m.scale *= Math.min(need, 2);
  }
  m.dx += extraDx;
  return m;
}

function affineFor(m: LayerMove, img: RgbxImage, w: number, h: number): Affine {
  return moveToAffine(m, w, h, img.width, img.height);
}

function isIdentity(m: LayerMove): boolean {
  return m.scale === 1 && m.rotation === 0 && m.dx === 0 && m.dy === 0;
}

function place(img: RgbxImage, m: LayerMove, out: Uint32Array, w: number, h: number): void {
  if (isIdentity(m) && img.width === w && img.height === h) out.set(img.data);
  else warpRgbx(img, out, w, h, affineFor(m, img, w, h));
}

/** Smooth noise normalised to a uniform 0..1023 rank per pixel, so the dissolve advances evenly. */
function dissolveField(w: number, h: number, seed: number): Uint16Array {
  const rng = streamFor(seed, 'morph:field');
  const octaves = [
    { cell: Math.max(8, Math.round(Math.min(w, h) / 5)), weight: 0.65 },
    { cell: Math.max(4, Math.round(Math.min(w, h) / 14)), weight: 0.35 },
  ].map((o) => {
    const gw = Math.ceil(w / o.cell) + 2;
    const gh = Math.ceil(h / o.cell) + 2;
    const lattice = new Float32Array(gw * gh);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng();
    return { ...o, gw, lattice };
  });
  const raw = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (const o of octaves) {
        const gx = x / o.cell;
        const gy = y / o.cell;
        const x0 = Math.floor(gx);
        const y0 = Math.floor(gy);
        const wx = smoothstep(0, 1, gx - x0);
        const wy = smoothstep(0, 1, gy - y0);
        const l = o.lattice;
        const a = l[y0 * o.gw + x0];
        const b = l[y0 * o.gw + x0 + 1];
        const c = l[(y0 + 1) * o.gw + x0];
        const d = l[(y0 + 1) * o.gw + x0 + 1];
        v += o.weight * ((a + (b - a) * wx) * (1 - wy) + (c + (d - c) * wx) * wy);
      }
      raw[y * w + x] = v;
    }
  }
  // Histogram equalisation to ranks 0..1023.
  const bins = 4096;
  const hist = new Uint32Array(bins);
  for (const v of raw) hist[Math.min(bins - 1, Math.floor(v * bins))]++;
  const cdf = new Uint16Array(bins);
  let acc = 0;
  for (let i = 0; i < bins; i++) {
    acc += hist[i];
    cdf[i] = Math.min(1023, Math.floor((acc / raw.length) * 1024));
  }
  const field = new Uint16Array(w * h);
  for (let i = 0; i < raw.length; i++) field[i] = cdf[Math.min(bins - 1, Math.floor(raw[i] * bins))];
  return field;
}

/** The start image melts into the end image along a seeded organic pattern while both drift. */
function createMorph(img: Images, strength: number, seed: number): TransitionRenderer {
  const { width: w, height: h } = img;
  const field = dissolveField(w, h, seed);
  const a = new Uint32Array(w * h);
  const b = new Uint32Array(w * h);
  const weight = new Uint16Array(1024);
  const soft = 0.6;
  const drift = 0.08 * strength;
  return {
    render(t, camera, out) {
      const e = ease('sine', t);
      if (t <= 0) return place(img.start, moveFor(camera, w, h, 0, 0, true), out, w, h);
      if (t >= 1) return place(img.end, moveFor(camera, w, h, 0, 0, true), out, w, h);
      place(img.start, moveFor(camera, w, h, drift * e, 0, true), a, w, h);
      place(img.end, moveFor(camera, w, h, drift * (1 - e), 0, true), b, w, h);
      // Per-rank blend weight: ranks below the advancing front have switched to the end image.
      for (let r = 0; r < 1024; r++) {
        const k = Math.min(1, Math.max(0, (e * (1 + soft) - r / 1023) / soft));
        weight[r] = Math.round(k * k * (3 - 2 * k) * 256);
      }
      for (let p = 0; p < field.length; p++) out[p] = lerpWord(a[p], b[p], weight[field[p]]);
    },
  };
}

/**
 * The camera flies into the start image; the end image appears as a window in its centre that
 * grows, with feathered edges, until it fills the frame.
 */
function createZoomThrough(img: Images, strength: number): TransitionRenderer {
  const { width: w, height: h } = img;
  const depth = Math.log(1.6 + 2.4 * strength); // total log-zoom of the flight
  const endStage = new Uint32Array(w * h);
  return {
    render(t, camera, out) {
      if (t <= 0) return place(img.start, moveFor(camera, w, h, 0, 0, true), out, w, h);
      if (t >= 1) return place(img.end, moveFor(camera, w, h, 0, 0, true), out, w, h);
      const z = depth * ease('sine', t);
      place(img.start, moveFor(camera, w, h, z, 0, true), out, w, h);
      const opacity = smoothstep(0.12, 0.6, t);
      if (opacity <= 0) return;
      // The end image's footprint shrinks towards the centre by exp(z - depth).
      const endMove = moveFor(camera, w, h, z - depth, 0, false);
      warpRgbx(img.end, endStage, w, h, affineFor(endMove, img.end, w, h));
      const m = affineFor(endMove, img.end, w, h);
      const feather = Math.max(1e-6, 0.18 * Math.min(w, h) * (1 - t));
      const pxPerSrc = endMove.scale * (w / img.end.width);
      for (let y = 0; y < h; y++) {
        let sx = m.b * y + m.c;
        let sy = m.e * y + m.f;
        for (let x = 0; x < w; x++, sx += m.a, sy += m.d) {
          // Distance (in output pixels) from this pixel to the end image's border, inward.
          const edge = Math.min(sx + 0.5, img.end.width - 0.5 - sx, sy + 0.5, img.end.height - 0.5 - sy) * pxPerSrc;
          if (edge <= 0) continue;
          const k = Math.min(1, edge / feather) * opacity;
          const i = y * w + x;
          out[i] = lerpWord(out[i], endStage[i], Math.round(k * 256));
        }
      }
    },
  };
}

/** A whip pan: the start image rushes out to the left, the end image rushes in from the right. */
function createWhip(img: Images, strength: number): TransitionRenderer {
  const { width: w, height: h } = img;
  const stage = new Uint32Array(w * h);
  const scratch = new Uint32Array(w * 4);
  const offset = (t: number) => ease('cubicInOut', (t - 0.3) / 0.4);
  return {
    render(t, camera, out, bytes, dt) {
      const o = offset(t);
      const startMove = moveFor(camera, w, h, 0, -o * w, true);
      const endMove = moveFor(camera, w, h, 0, (1 - o) * w, true);
      if (o <= 0) return place(img.start, startMove, out, w, h);
      if (o >= 1) return place(img.end, endMove, out, w, h);
      place(img.start, startMove, out, w, h);
      place(img.end, endMove, stage, w, h);
      // Left of the seam shows the start image, right of it the end image.
      const m = affineFor(startMove, img.start, w, h);
      for (let y = 0; y < h; y++) {
        // Source x of the start image reaches its right edge at the seam.
        const seam = Math.abs(m.a) < 1e-9 ? w : (img.start.width - 0.5 - m.b * y - m.c) / m.a;
        const from = Math.max(0, Math.min(w, Math.ceil(seam)));
        const row = y * w;
        out.set(stage.subarray(row + from, row + w), row + from);
      }
      const speed = Math.abs(offset(t + dt / 2) - offset(t - dt / 2)) * w;
      blurRows(bytes, w, h, speed * (0.4 + 0.8 * strength), scratch);
    },
  };
}

export function createTransition(kind: TransitionKind, img: Images, strength: number, seed: number): TransitionRenderer {
  switch (kind) {
    case 'morph':
      return createMorph(img, strength, seed);
    case 'zoomThrough':
      return createZoomThrough(img, strength);
    case 'whip':
      return createWhip(img, strength);
  }
}
