import sharp from 'sharp';
import type { SoulJobInput } from '../../domain/soul.js';
import { DEFAULT_STYLE_ID, findStyle, buildStyledPrompt } from '../../domain/styles.js';
import type { DiffusionEngine } from '../../engine/diffusion/index.js';
import { ModelMissingError } from '../../engine/diffusion/index.js';
import { enhancePromptDetailed } from '../../engine/diffusion/prompt-enhancer.js';
import { matchPalette, paletteOf } from '../../engine/diffusion/palette.js';
import { renderOverlay } from '../../engine/diffusion/overlay.js';
import { JobFailure, type JobRunner, type RunContext, type RunOutput } from '../runner.js';

/** Post-processing of one generated image (identity transfer + score), plugged in by Soul ID. */
export type SoulImageHook = (ctx: RunContext, image: Buffer) => Promise<{ image: Buffer; extras?: Record<string, unknown> }>;

export interface SoulRunnerOptions {
  engine: DiffusionEngine;
  enhancer?: { endpoint: string | null; model: string | null };
  /** Denoising steps; undefined = the model family's default. */
  steps?: number;
  /** Applied when the job names a custom_reference_id. */
  identity?: SoulImageHook;
}

const PREVIEW_EDGE = 512;

/** Soul job: style + prompt rules, then the diffusion engine, then the optional identity step. */
export function soulRunner(opts: SoulRunnerOptions): JobRunner {
  return {
    kind: 'soul',
    async run(ctx: RunContext): Promise<RunOutput> {
      const input = ctx.job.input as SoulJobInput;
      // Without a style_id the docs' default ("General") applies, as upstream does.
      const style = findStyle(input.styleId ?? DEFAULT_STYLE_ID);
      let userPrompt = input.prompt;
      // Fallbacks are recorded in the job's extras and logged, never only taken.
      const fallbacks: Record<string, unknown> = {};
      if (input.enhancePrompt) {
        const enhanced = await enhancePromptDetailed(userPrompt, style, {
          endpoint: opts.enhancer?.endpoint ?? undefined,
          model: opts.enhancer?.model ?? undefined,
          signal: ctx.signal,
        });
        userPrompt = enhanced.prompt;
        fallbacks.prompt_enhancer = {
          source: enhanced.source,
          ...(enhanced.fallbackReason ? { fallback_reason: enhanced.fallbackReason } : {}),
        };
        if (enhanced.fallbackReason) ctx.log('prompt enhancer fell back to rules', { reason: enhanced.fallbackReason });
      }
      const styled = buildStyledPrompt(userPrompt, style, input.styleStrength);
      const negativePrompt = [styled.negativePrompt, input.negativePrompt].filter(Boolean).join(', ');
      const initImage = input.imageReferenceUrl ? await ctx.loadImage(input.imageReferenceUrl) : undefined;
      let result;
      try {
        result = await opts.engine.render({
          prompt: styled.prompt,
          negativePrompt,
          width: input.width,
          height: input.height,
          seed: input.seed,
          initImage,
          strength: initImage ? input.imageStrength : undefined,
          sharedNoise: input.sharedNoise,
          steps: opts.steps,
          format: 'png',
          signal: ctx.signal,
          onStep: (step, total) => ctx.progress(step, total),
        });
      } catch (e) {
        if (e instanceof ModelMissingError) throw new JobFailure(e.message);
        throw e;
      }
      if (result.scheduler.substitutedFor) {
        fallbacks.scheduler = { used: result.scheduler.className, substituted_for: result.scheduler.substitutedFor };
        ctx.log('model scheduler not implemented; a compatible one ran instead', {
          model: result.model,
          configured: result.scheduler.substitutedFor,
          used: result.scheduler.className,
        });
      }
      let image = result.images[0];
      let { width, height } = result;
      if (input.finalSize) {
        // Instagram's 4:5 is no Soul size: generated at the nearest one, then cover-cropped.
        ({ width, height } = input.finalSize);
        image = await sharp(image).resize(width, height, { fit: 'cover', position: 'attention' }).png({ compressionLevel: 4 }).toBuffer();
      }
      let extras: Record<string, unknown> = {
        seed: input.seed,
        model: result.model,
        prompt_used: styled.prompt,
        timings_ms: { total: Math.round(result.timings.totalMs), onnx: Math.round(result.timings.onnxMs) },
        ...fallbacks,
      };
      if (input.paletteUrls?.length) {
        // Every image of a set is matched to the same references' colours (Popcorn).
        const refs = await Promise.all(input.paletteUrls.map((u) => ctx.loadImage(u)));
        image = await matchPalette(image, await paletteOf(refs), input.paletteAmount ?? 0.5);
        extras = { ...extras, palette_references: refs.length };
      }
      if (input.sharedNoise) extras = { ...extras, set_seed: input.sharedNoise.seed, shared_noise: input.sharedNoise.weight };
      if (input.customReferenceId && opts.identity) {
        const r = await opts.identity(ctx, image);
        image = r.image;
        extras = { ...extras, ...r.extras };
      }
      const overlay = input.overlayText ? await renderOverlay(image, input.overlayText) : null;
      const min = await sharp(image)
        .resize(PREVIEW_EDGE, PREVIEW_EDGE, { fit: 'inside' })
        .jpeg({ quality: 82 })
        .toBuffer({ resolveWithObject: true });
      return {
        raw: { bytes: image, contentType: 'image/png', type: 'image', width, height },
        ...(overlay ? { overlay: { bytes: overlay, contentType: 'image/png', type: 'image', width, height } } : {}),
        min: { bytes: min.data, contentType: 'image/jpeg', type: 'image', width: min.info.width, height: min.info.height },
        extras,
      };
    },
  };
}
