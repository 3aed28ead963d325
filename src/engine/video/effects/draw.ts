/** Small drawing primitives shared by the particle effects. */

/** Blends pixel (x, y) towards colour by alpha (0..1); out-of-frame pixels are ignored. */
export function blendPixel(
  frame: Uint8Array,
  w: number,
  h: number,
  x: number,
  y: number,
  r: number,
  g: number,
  b: number,
  alpha: number,
): void {
  if (x < 0 || y < 0 || x >= w || y >= h || alpha <= 0) return;
  const i = (y * w + x) * 4;
  const a = alpha > 1 ? 1 : alpha;
  frame[i] = frame[i] + (r - frame[i]) * a + 0.5;
  frame[i + 1] = frame[i + 1] + (g - frame[i + 1]) * a + 0.5;
  frame[i + 2] = frame[i + 2] + (b - frame[i + 2]) * a + 0.5;
}

/** Adds light (r, g, b scaled by alpha) to pixel (x, y), saturating at 255. */
export function addPixel(
  frame: Uint8Array,
  w: number,
  h: number,
  x: number,
  y: number,
  r: number,
  g: number,
  b: number,
  alpha: number,
): void {
  if (x < 0 || y < 0 || x >= w || y >= h || alpha <= 0) return;
  const i = (y * w + x) * 4;
  frame[i] = Math.min(255, frame[i] + r * alpha + 0.5);
  frame[i + 1] = Math.min(255, frame[i + 1] + g * alpha + 0.5);
  frame[i + 2] = Math.min(255, frame[i + 2] + b * alpha + 0.5);
}

/**
 * A soft round dot centred at (cx, cy) with radius r: full alpha inside, fading to zero over
 * `soft` pixels. mode 'blend' mixes towards the colour, 'add' adds light.
 */
export function softDot(
  frame: Uint8Array,
  w: number,
  h: number,
  cx: number,
  cy: number,
  r: number,
  soft: number,
  color: readonly [number, number, number],
  alpha: number,
  mode: 'blend' | 'add',
): void {
  const reach = r + soft;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(w - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(h - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      if (d >= reach) continue;
      const k = d <= r ? 1 : 1 - (d - r) / soft;
      const a = alpha * k * k;
      if (mode === 'blend') blendPixel(frame, w, h, x, y, color[0], color[1], color[2], a);
      else addPixel(frame, w, h, x, y, color[0], color[1], color[2], a);
    }
  }
}

/**
 * An anti-aliased streak from (x0, y0) to (x1, y1), fading in from the tail to the head;
 * each step splits its alpha between the two nearest columns.
 */
export function streak(
  frame: Uint8Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: readonly [number, number, number],
  alpha: number,
): void {
  const len = Math.hypot(x1 - x0, y1 - y0);
  const steps = Math.max(1, Math.ceil(len));
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    const px = x0 + (x1 - x0) * t - 0.5;
    const py = Math.round(y0 + (y1 - y0) * t - 0.5);
    const ix = Math.floor(px);
    const fr = px - ix;
    const a = alpha * (0.25 + 0.75 * t);
    blendPixel(frame, w, h, ix, py, color[0], color[1], color[2], a * (1 - fr));
    blendPixel(frame, w, h, ix + 1, py, color[0], color[1], color[2], a * fr);
  }
}
