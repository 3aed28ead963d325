import sharp from 'sharp';
import type { DopParams } from '../../domain/dop.js';
import { findMotion } from '../../domain/motions.js';
import { DopInputError, type MatteProvider, renderDop } from '../../engine/video/index.js';
import { JobFailure, type JobRunner } from '../runner.js';

/** DoP job: fetch the still(s) through the safe loader, render the camera move, encode. */
export function dopRunner(opts: { matteProvider?: MatteProvider } = {}): JobRunner {
  return {
    kind: 'dop',
    async run(ctx) {
      const p = ctx.job.input as unknown as DopParams;
      const image = await ctx.loadImage(p.imageUrl);
      const endImage = p.endImageUrl ? await ctx.loadImage(p.endImageUrl) : undefined;
      let out;
      try {
        out = await renderDop({
          image,
          endImage,
          motions: p.motions,
          prompt: p.prompt,
          tier: p.tier,
          seed: p.seed,
          durationS: p.durationS,
          matteProvider: opts.matteProvider,
          signal: ctx.signal,
          onProgress: (f, t) => ctx.progress(f, t),
        });
      } catch (e) {
        if (e instanceof DopInputError) throw new JobFailure(e.message);
        throw e;
      }
      // A failed matte model still gives a clip (next provider, or flat layers); the job says which and why.
      for (const f of out.matteFailures) ctx.log('matte provider failed; the next one took over', { provider: f.provider, err: f.error });
      const poster = await sharp(out.poster).metadata();
      return {
        raw: { bytes: out.video, contentType: 'video/mp4', type: 'video', width: out.width, height: out.height },
        min: { bytes: out.preview, contentType: 'video/mp4', type: 'video' },
        poster: { bytes: out.poster, contentType: 'image/jpeg', type: 'image', width: poster.width, height: poster.height },
        extras: {
          seed: p.seed,
          // Which engine and motions made the clip; a request that named another vendor's model says so too.
          engine: 'opensoul-dop',
          ...(p.requestedModel ? { requested_model: p.requestedModel } : {}),
          motions: out.motions.map((m) => ({ id: m.id, name: findMotion(m.id)?.name ?? m.id, strength: m.strength })),
          motions_origin: p.motionsOrigin ?? (out.motionsOrigin === 'request' && p.motionsFromPrompt ? 'prompt' : out.motionsOrigin),
          duration_s: out.durationS,
          fps: out.fps,
          matte: out.matte,
          ...(out.matteFailures.length ? { matte_failures: out.matteFailures } : {}),
        },
      };
    },
  };
}
