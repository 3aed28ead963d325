/**
 * Directional motion blur for fast pans and whips: a running box average along rows (or
 * columns) whose length is the distance the picture travels during the shutter.
 * Frames are RGBX bytes; the X byte is left as it is.
 */

/** Box-averages every row over `length` pixels (no-op below 2 pixels). */
export function blurRows(frame: Uint8Array, w: number, h: number, length: number, scratch?: Uint32Array): void {
  const r = Math.min(Math.floor(w / 2), Math.round((length - 1) / 2));
  if (r < 1) return;
  const line = scratch && scratch.length >= w * 4 ? scratch : new Uint32Array(w * 4);
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    const row = y * w * 4;
    for (let i = 0; i < w * 4; i++) line[i] = frame[row + i];
    for (let ch = 0; ch < 3; ch++) {
      // Edge pixels repeat beyond the frame.
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += line[Math.min(w - 1, Math.max(0, k)) * 4 + ch];
      for (let x = 0; x < w; x++) {
        frame[row + x * 4 + ch] = (sum + (n >> 1)) / n;
        sum += line[Math.min(w - 1, x + r + 1) * 4 + ch] - line[Math.max(0, x - r) * 4 + ch];
      }
    }
  }
}

/** The same along columns. */
export function blurColumns(frame: Uint8Array, w: number, h: number, length: number): void {
  const r = Math.min(Math.floor(h / 2), Math.round((length - 1) / 2));
  if (r < 1) return;
  const col = new Uint32Array(h * 4);
  const n = 2 * r + 1;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const i = (y * w + x) * 4;
      col[y * 4] = frame[i];
      col[y * 4 + 1] = frame[i + 1];
      col[y * 4 + 2] = frame[i + 2];
    }
    for (let ch = 0; ch < 3; ch++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += col[Math.min(h - 1, Math.max(0, k)) * 4 + ch];
      for (let y = 0; y < h; y++) {
        frame[(y * w + x) * 4 + ch] = (sum + (n >> 1)) / n;
        sum += col[Math.min(h - 1, y + r + 1) * 4 + ch] - col[Math.max(0, y - r) * 4 + ch];
      }
    }
  }
}
