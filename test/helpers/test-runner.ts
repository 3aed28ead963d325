import sharp from 'sharp';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobFailure, type JobRunner } from '../../src/worker/runner.js';

/**
 * TEST-ONLY stand-in for the diffusion engine: draws a small image whose colour comes from the
 * seed, in `steps` steps of `stepMs`, honouring abort between steps. Prompts starting with
 * "FAIL" fail, "NSFW" end as nsfw. Never reachable from src/.
 */
export function testSoulRunner(opts: { steps?: number; stepMs?: number } = {}): JobRunner {
  const steps = opts.steps ?? 3;
  const stepMs = opts.stepMs ?? 5;
  return {
    kind: 'soul',
    async run(ctx) {
      const input = ctx.job.input as { prompt: string; seed: number; imageReferenceUrl: string | null };
      if (input.imageReferenceUrl) await ctx.loadImage(input.imageReferenceUrl);
      for (let i = 1; i <= steps; i++) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        await sleep(stepMs);
        ctx.progress(i, steps);
      }
      if (input.prompt.startsWith('FAIL')) throw new JobFailure('the test engine was asked to fail');
      const s = input.seed;
      const png = await sharp({
        create: { width: 64, height: 48, channels: 3, background: { r: s % 256, g: (s >> 8) % 256, b: (s >> 16) % 256 } },
      })
        .png()
        .toBuffer();
      const min = await sharp(png).resize(16, 12).jpeg().toBuffer();
      return {
        raw: { bytes: png, contentType: 'image/png', type: 'image', width: 64, height: 48 },
        min: { bytes: min, contentType: 'image/jpeg', type: 'image', width: 16, height: 12 },
        nsfw: input.prompt.startsWith('NSFW'),
        extras: { seed: s },
      };
    },
  };
}

/**
 * TEST-ONLY stand-in for the diffusion engine that returns a given picture (the fixture the
 * prompt asks for), so moderation is exercised on real photos and drawings.
 */
export function pictureSoulRunner(picture: (prompt: string) => Promise<Buffer>): JobRunner {
  return {
    kind: 'soul',
    async run(ctx) {
      const input = ctx.job.input as { prompt: string; seed: number; imageReferenceUrl: string | null };
      if (input.imageReferenceUrl) await ctx.loadImage(input.imageReferenceUrl);
      const png = await picture(input.prompt);
      const meta = await sharp(png).metadata();
      const min = await sharp(png).resize(128).jpeg().toBuffer();
      return {
        raw: { bytes: png, contentType: 'image/png', type: 'image', width: meta.width, height: meta.height },
        min: { bytes: min, contentType: 'image/jpeg', type: 'image' },
        extras: { seed: input.seed },
      };
    },
  };
}
