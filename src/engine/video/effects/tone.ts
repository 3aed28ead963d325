/** Whole-frame per-channel tone curves, applied a pixel word at a time (3 lookups per pixel). */

export function words(frame: Uint8Array): Uint32Array {
  if (frame.byteOffset % 4 !== 0) throw new Error('frame must be 4-byte aligned');
  return new Uint32Array(frame.buffer, frame.byteOffset, frame.byteLength >> 2);
}

/** Maps R, G and B of every pixel through lut (256 entries); X becomes 255. */
export function applyLut(frame: Uint8Array, lut: Uint8Array): void {
  const px = words(frame);
  for (let i = 0; i < px.length; i++) {
    const p = px[i];
    px[i] = (lut[p & 255] | (lut[(p >>> 8) & 255] << 8) | (lut[(p >>> 16) & 255] << 16) | 0xff000000) >>> 0;
  }
}
