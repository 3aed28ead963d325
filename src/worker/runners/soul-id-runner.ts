import sharp from 'sharp';
import { DomainError } from '../../domain/errors.js';
import type { CharacterEngine, CharacterService } from '../../services/characters.js';
import { InputRefused, JobFailure, type JobRunner } from '../runner.js';
import type { SoulImageHook } from './soul-runner.js';

/** Builds a character: fetch each photo safely, analyse, store photos/crops/centroid. */
export function soulIdRunner(characters: CharacterService, engine: CharacterEngine): JobRunner {
  return {
    kind: 'soul_id',
    async run(ctx) {
      const { characterId, imageUrls } = ctx.job.input as { characterId: string; imageUrls: string[] };
      await characters.markInProgress(characterId);
      const photos: Buffer[] = [];
      const unreadable: { index: number; code: string; message: string }[] = [];
      for (const [index, url] of imageUrls.entries()) {
        try {
          photos.push(await ctx.loadImage(url));
        } catch (e) {
          // A photo moderation refuses is dropped like an unreadable one, with its reason.
          if (e instanceof InputRefused) unreadable.push({ index, code: 'nsfw', message: `The photo was ${e.message}` });
          else if (e instanceof DomainError) unreadable.push({ index, code: 'image_unreadable', message: e.message });
          else throw e;
        }
        ctx.progress(index + 1, imageUrls.length * 2);
      }
      // Indices in the engine's result refer to `photos`; map them back to the request's order.
      const readableIdx = imageUrls.map((_, i) => i).filter((i) => !unreadable.some((u) => u.index === i));
      // Canceled (e.g. the character was deleted) or draining: stop at each step, before storing anything.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (photos.length === 0) {
        await characters.fail(characterId, unreadable);
        throw new JobFailure(`No photo could be used. ${unreadable.map((r) => `photo ${r.index + 1}: ${r.message}`).join('; ')}`);
      }
      const result = await engine.build(photos, (done, total) =>
        ctx.progress(imageUrls.length + Math.round((done / total) * imageUrls.length), imageUrls.length * 2),
      );
      const refused = [...unreadable, ...result.refused.map((r) => ({ ...r, index: readableIdx[r.index] }))].sort(
        (a, b) => a.index - b.index,
      );
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const stored = await characters.storeBuild(characterId, ctx.job.accountId, photos, { ...result, refused });
      // Deleted meanwhile: nothing was kept. The job ends canceled if this worker has heard of the
      // cancel, else (a remote worker hears at its next heartbeat) failed; finishJob refunds either once.
      if (stored.deleted) throw new JobFailure('The character was deleted before its build finished');
      const thumb = stored.thumb;
      if (result.status !== 'completed' || !thumb) {
        await characters.fail(characterId, refused);
        const reasons = refused.map((r) => `photo ${r.index + 1}: ${r.message}`).join('; ');
        throw new JobFailure(`No usable photo for a character. ${reasons}`);
      }
      const bytes = result.thumbnail!;
      const min = await sharp(bytes).resize(128, 128, { fit: 'inside' }).jpeg().toBuffer();
      return {
        raw: { bytes, contentType: 'image/jpeg', type: 'image' },
        min: { bytes: min, contentType: 'image/jpeg', type: 'image' },
        extras: { character_id: characterId, accepted: result.accepted.map((i) => readableIdx[i]), refused },
      };
    },
  };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * Soul post-step for `custom_reference_id`: transfer the character's face onto every face that
 * allows it and score the result. The extras name the engine, the score before and after, and
 * per face whether it was transferred or why not.
 */
export function identityHook(characters: CharacterService, engine: CharacterEngine): SoulImageHook {
  return async (ctx, image) => {
    const input = ctx.job.input as { customReferenceId: string; customReferenceStrength: number };
    const who = await characters.identity(input.customReferenceId, ctx.job.accountId);
    if (!who) throw new JobFailure(`custom_reference_id ${input.customReferenceId} is no longer available`);
    const r = await engine.transfer(image, { ...who, cacheKey: input.customReferenceId }, input.customReferenceStrength);
    const identity: Record<string, unknown> = {
      engine: r.engine,
      engine_reason: r.engineReason,
      score_before: round4(r.scoreBefore),
      score_after: round4(r.identityScore),
      ...(r.arcfaceScore !== undefined ? { arcface_score: round4(r.arcfaceScore) } : {}),
      faces_transferred: r.faces,
      faces: r.reports.map((f) => ({
        box: f.box.map(Math.round),
        transferred: f.transferred,
        ...(f.code ? { code: f.code, reason: f.reason } : {}),
        ...(f.reference !== undefined ? { reference: f.reference } : {}),
      })),
      ...(r.reports.length === 0 ? { reason: 'No face was found in the generated image, so none was transferred.' } : {}),
    };
    return { image: r.image, extras: { identity_score: round4(r.identityScore), faces_swapped: r.faces, identity } };
  };
}
