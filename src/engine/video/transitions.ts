/**
 * First-last-frame transitions. Each one starts exactly on the start image (t = 0) and ends
 * exactly on the end image (t = 1); in between the images move and blend. Both images are
 * already at output size, so the rest pose is an exact copy.
 */
import type { TransitionKind } from '../../domain/motions.js';
import { coverNeeded, layerMove, moveToAffine, type Affine, type CameraState, type LayerMove } from './camera.js';
import { ease, smoothstep } from './easing.js';
import { blurRows } from './motion-blur.js';
import { createFlowMorph } from './morph.js';
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

/**
 * Shapes travel from the start image to the end image along their dense correspondence while
 * the two cross-fade; `strength` scales how far they travel (0 leaves a plain cross-fade).
 */
function createMorph(img: Images, strength: number): TransitionRenderer {
  const { width: w, height: h } = img;
  const morph = createFlowMorph(img.start, img.end, strength);
  return {
    render(t, camera, out) {
      if (t <= 0) return place(img.start, moveFor(camera, w, h, 0, 0, true), out, w, h);
      if (t >= 1) return place(img.end, moveFor(camera, w, h, 0, 0, true), out, w, h);
      const move = moveFor(camera, w, h, 0, 0, true);
      morph.render(ease('sine', t), isIdentity(move) ? null : affineFor(move, img.start, w, h), out);
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

export function createTransition(kind: TransitionKind, img: Images, strength: number): TransitionRenderer {
  switch (kind) {
    case 'morph':
      return createMorph(img, strength);
    case 'zoomThrough':
      return createZoomThrough(img, strength);
    case 'whip':
      return createWhip(img, strength);
  }
}
