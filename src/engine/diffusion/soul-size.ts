/**
 * Soul output sizes -> generation sizes.
 *
 * Soul answers at exact sizes (13 of them at 1080p, e.g. 1152x2048, and 720p = 2/3 of those:
 * see src/domain/sizes.ts). Diffusion models only draw well near the area they were trained at
 * (512^2 for SD/SD-Turbo/LCM, 1024^2 for SDXL), in sizes whose latent is a multiple of 8. So we
 * generate at the model's native area with the requested aspect ratio, then resize to the exact
 * output size.
 *
 * The last step is libvips (enlarge.ts: a centre-aligned bicubic enlargement; Lanczos-3 when
 * shrinking), not ESRGAN super-resolution: @upscalerjs/esrgan-* on tfjs-wasm is 60-200x slower
 * and measured less faithful (docs/models.md, bench/upscale.ts).
 */

export interface Size {
  width: number;
  height: number;
}

/** Largest accepted output edge; bounds memory of the final resize and encode. */
export const MAX_OUTPUT_EDGE = 4096;

/**
 * The generation size for an exact output size: near the native area (native.width x
 * native.height), same aspect ratio as the output, both sides multiples of latentMultiple*8
 * pixels and at least one such block.
 */
export function generationSize(output: Size, native: Size, latentMultiple = 8): Size {
  assertSize(output);
  assertSize(native);
  const step = latentMultiple * 8;
  const area = native.width * native.height;
  const aspect = output.width / output.height;
  const idealW = Math.sqrt(area * aspect);
  const idealH = Math.sqrt(area / aspect);
  const around = (v: number) => [...new Set([Math.floor(v / step), Math.ceil(v / step)].map((k) => Math.max(1, k) * step))];
  let best: Size = { width: step, height: step };
  let bestScore = Infinity;
  for (const width of around(idealW)) {
    for (const height of around(idealH)) {
      // Aspect errors cost a crop of the picture, area errors only detail: weigh aspect more.
      const score = 3 * Math.abs(Math.log(width / height / aspect)) + Math.abs(Math.log((width * height) / area));
      if (score < bestScore - 1e-12) {
        bestScore = score;
        best = { width, height };
      }
    }
  }
  return best;
}

/** 720p is the 1080p Soul size scaled by 2/3, rounded to even pixels (as src/domain/sizes.ts does). */
export function soul720p(size1080: Size): Size {
  const even = (n: number) => Math.round((n * 2) / 3 / 2) * 2;
  return { width: even(size1080.width), height: even(size1080.height) };
}

export function assertSize(s: Size): void {
  for (const v of [s.width, s.height]) {
    if (!Number.isInteger(v) || v < 8 || v > MAX_OUTPUT_EDGE) {
      throw new RangeError(`image sides must be integers in [8, ${MAX_OUTPUT_EDGE}], got ${s.width}x${s.height}`);
    }
  }
}
