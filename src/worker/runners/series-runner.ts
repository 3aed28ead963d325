import sharp from 'sharp';
import type { SeriesClipInput, SeriesConcatInput } from '../../domain/video-series.js';
import { concatClips } from '../../engine/video/concat.js';
import { DOP_FPS, DopInputError, type MatteProvider, PREVIEW_SHORT_SIDE, renderDop } from '../../engine/video/index.js';
import { JobFailure, type JobRunner, type RunContext } from '../runner.js';

/** Progress of a clip job in per mille: the keyframe is the first 30 %, the clip the rest. */
const KEYFRAME_SHARE = 300;

/**
 * A series clip runs the Soul runner for its keyframe (character, palette and shared noise as
 * the set's Soul jobs do) with the job's own context, then renders the clip from it.
 */
export function seriesClipRunner(opts: { soul: JobRunner; matteProvider?: MatteProvider }): JobRunner {
  return {
    kind: 'series_clip',
    async run(ctx) {
      const input = ctx.job.input as unknown as SeriesClipInput;
      const keyframeCtx: RunContext = {
        ...ctx,
        job: { ...ctx.job, input: input.keyframe as unknown as Record<string, unknown> },
        progress: (step, total) => ctx.progress(Math.round((KEYFRAME_SHARE * step) / Math.max(1, total)), 1000),
      };
      const keyframe = await opts.soul.run(keyframeCtx);
      if (keyframe.nsfw) return { ...keyframe, extras: { ...keyframe.extras, index: input.index } };
      let clip;
      try {
        clip = await renderDop({
          image: keyframe.raw.bytes,
          motions: input.motions,
          prompt: input.camera,
          tier: input.tier,
          seed: input.seed,
          durationS: input.durationS,
          matteProvider: opts.matteProvider,
          signal: ctx.signal,
          onProgress: (f, t) => ctx.progress(KEYFRAME_SHARE + Math.round(((1000 - KEYFRAME_SHARE) * f) / t), 1000),
        });
      } catch (e) {
        if (e instanceof DopInputError) throw new JobFailure(e.message);
        throw e;
      }
      for (const f of clip.matteFailures) ctx.log('matte provider failed; the next one took over', { provider: f.provider, err: f.error });
      return {
        raw: { bytes: clip.video, contentType: 'video/mp4', type: 'video', width: clip.width, height: clip.height },
        min: { bytes: clip.preview, contentType: 'video/mp4', type: 'video' },
        // The clip's still is its Soul keyframe (at the keyframe's own size).
        poster: { ...keyframe.raw },
        extras: {
          index: input.index,
          engine: 'opensoul-dop',
          keyframe: keyframe.extras,
          motions: clip.motions,
          motions_origin: clip.motionsOrigin,
          duration_s: clip.durationS,
          fps: clip.fps,
          matte: clip.matte,
          timings_s: { clip: round(clip.timings.totalS) },
        },
      };
    },
  };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Waits (as a `waiting` job) for every clip of its set, then joins them. */
export function seriesConcatRunner(): JobRunner {
  return {
    kind: 'series_concat',
    async run(ctx) {
      const input = ctx.job.input as unknown as SeriesConcatInput;
      const set = await ctx.readSet();
      const clips = set.jobs.filter((j) => j.kind === 'series_clip').sort((a, b) => a.index - b.index);
      const missing = clips.find((j) => j.status !== 'completed' || !j.results);
      if (missing) throw new JobFailure(`Part ${missing.index + 1} of this series ended ${missing.status}; nothing to concatenate`);
      const first = clips[0].results!.raw;
      const videos = [];
      for (const c of clips) videos.push(await set.output(c.results!.raw));
      const started = performance.now();
      const out = await concatClips({
        clips: videos.map((video, i) => ({ video, caption: input.captions[i] ?? '' })),
        clipS: input.clipDurationS,
        transitionS: input.transitionS,
        width: first.width!,
        height: first.height!,
        fps: DOP_FPS,
        previewShortSide: PREVIEW_SHORT_SIDE,
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress(Math.round(done * 10), Math.round(total * 10)),
      });
      if (out.transitions.fallback_reason)
        ctx.log('ffmpeg has no xfade; clips joined with fades through black', { reason: out.transitions.fallback_reason });
      const poster = await sharp(await set.output(clips[0].results!.poster ?? first))
        .jpeg({ quality: 85 })
        .toBuffer({ resolveWithObject: true });
      return {
        raw: { bytes: out.video, contentType: 'video/mp4', type: 'video', width: first.width, height: first.height },
        min: { bytes: out.preview, contentType: 'video/mp4', type: 'video' },
        poster: { bytes: poster.data, contentType: 'image/jpeg', type: 'image', width: poster.info.width, height: poster.info.height },
        extras: {
          clips: clips.length,
          duration_s: out.durationS,
          transitions: out.transitions,
          captions: out.captions,
          timings_s: { concat: round((performance.now() - started) / 1000) },
        },
      };
    },
  };
}
