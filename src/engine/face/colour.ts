/** Colour conversions used by the photo checks and by colour matching (sRGB D65, CIELAB). */

const LINEAR = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function labF(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116;
}

/** 8-bit sRGB to CIELAB (L 0..100). */
export function rgbToLab(r: number, g: number, b: number, out: Float32Array | number[] = [0, 0, 0], offset = 0): Float32Array | number[] {
  const lr = LINEAR[r],
    lg = LINEAR[g],
    lb = LINEAR[b];
  const x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / 0.95047;
  const y = 0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb;
  const z = (0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / 1.08883;
  const fx = labF(x),
    fy = labF(y),
    fz = labF(z);
  out[offset] = 116 * fy - 16;
  out[offset + 1] = 500 * (fx - fy);
  out[offset + 2] = 200 * (fy - fz);
  return out;
}

function toSrgb8(c: number): number {
  const v = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

function labFInv(t: number): number {
  return t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27);
}

/** CIELAB to 8-bit sRGB (clamped). */
export function labToRgb(l: number, a: number, b: number, out: Uint8Array | number[], offset = 0): void {
  const fy = (l + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const x = labFInv(fx) * 0.95047,
    y = labFInv(fy),
    z = labFInv(fz) * 1.08883;
  out[offset] = toSrgb8(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  out[offset + 1] = toSrgb8(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
  out[offset + 2] = toSrgb8(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
}

/** Rec.601 luma of 8-bit sRGB values (0..255). */
export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
