import { type Job, jobSetStatus, setFirstError, setMoney, wireJobStatus } from '../../domain/job.js';
import { fromMilli } from '../../domain/pricing.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';
import type { MediaService } from '../../services/media.js';

/** Higgsfield v1 JobSet shape (api-contracts §1.1/§1.4), plus opensoul's documented extras. */
export function renderV1JobSet(set: StoredJobSet, media: MediaService) {
  return {
    id: set.id,
    type: set.type,
    created_at: set.createdAt,
    jobs: set.jobs.map((j) => renderV1Job(j, set, media)),
    input_params: set.inputParams,
  };
}

/** The v1 set with its set-level status, as the set's event stream sends it. */
export function renderV1SetWithStatus(set: StoredJobSet, media: MediaService) {
  return { ...renderV1JobSet(set, media), status: jobSetStatus(set.jobs) };
}

/** One row of GET /v1/job-sets: the v1 set plus what a history view shows (opensoul fields). */
export function renderV1SetListItem(set: StoredJobSet, media: MediaService) {
  const { chargedMilli, refundedMilli } = setMoney(set.jobs);
  return {
    ...renderV1SetWithStatus(set, media),
    kind: set.kind,
    model: set.model,
    dialect: set.dialect,
    cost_credits: fromMilli(chargedMilli),
    refunded_credits: fromMilli(refundedMilli),
    error: setFirstError(set.jobs),
  };
}

function renderV1Job(j: Job, set: StoredJobSet, media: MediaService) {
  return {
    id: j.id,
    job_set_type: set.type,
    status: wireJobStatus(j.status),
    results: j.results
      ? {
          min: { type: j.results.min.type, url: media.url(j.results.min.key) },
          raw: { type: j.results.raw.type, url: media.url(j.results.raw.key) },
        }
      : null,
    ...(j.error ? { error: j.error } : {}),
    // opensoul extensions (documented in docs/API.md): progress, identity score and report, poster frame, moderation.
    ...(j.progress ? { progress: { step: j.progress.step, total: j.progress.total } } : {}),
    ...(typeof j.extras.identity_score === 'number' ? { identity_score: j.extras.identity_score } : {}),
    ...(j.extras.identity && typeof j.extras.identity === 'object' ? { identity: j.extras.identity } : {}),
    ...(j.results?.poster ? { poster_url: media.url(j.results.poster.key) } : {}),
    ...(j.extras.moderation ? { moderation: j.extras.moderation } : {}),
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
  };
}

export function v2Urls(base: string, id: string) {
  return { status_url: `${base}/requests/${id}/status`, cancel_url: `${base}/requests/${id}/cancel` };
}

/** Higgsfield v2 RequestStatus (api-contracts §1.8). */
export function renderV2Status(set: StoredJobSet, media: MediaService, base: string) {
  const status = jobSetStatus(set.jobs);
  const body: Record<string, unknown> = { status, request_id: set.id, ...v2Urls(base, set.id) };
  const done = set.jobs.filter((j) => j.status === 'completed' && j.results);
  if (status === 'completed') {
    if (set.type === 'image2video') {
      body.video = { url: media.url(done[0].results!.raw.key) };
      // opensoul extension: the engine and motions that rendered the clip.
      const x = done[0].extras;
      if (x.engine)
        body.render = {
          engine: x.engine,
          ...(x.requested_model ? { requested_model: x.requested_model } : {}),
          motions: x.motions,
          motions_origin: x.motions_origin,
          duration_s: x.duration_s,
        };
    } else if (set.type === 'social_video_series') body.videos = seriesVideos(set, media);
    else body.images = done.map((j) => ({ url: media.url(j.results!.raw.key) }));
  }
  if (status === 'failed') body.error = set.jobs.find((j) => j.error)?.error ?? 'Generation failed';
  if (set.type === 'social_carousel') body.carousel = renderCarousel(set, media);
  if (set.type === 'social_video_series') {
    body.series = renderSeries(set, media);
    // A series whose join did not run is not what was asked for, even with some clips done.
    const concat = set.jobs.find((j) => j.kind === 'series_concat');
    if (status === 'completed' && concat && concat.status !== 'completed')
      body.error = concat.error ?? 'The concatenated video was not made';
  }
  const scores = set.jobs.map((j) => j.extras.identity_score).filter((s): s is number => typeof s === 'number');
  if (scores.length) body.identity_scores = scores;
  return body;
}

/**
 * The carousel plan with each slide's outputs once it has them: `image_url` (the clean slide) and
 * `overlay_image_url` (the same slide with its overlay copy), plus the slide job's status.
 */
function renderCarousel(set: StoredJobSet, media: MediaService) {
  const plan = set.inputParams.carousel as { slides: { index: number }[] } & Record<string, unknown>;
  return {
    ...plan,
    slides: plan.slides.map((slide, i) => {
      const job = set.jobs[i];
      const r = job?.status === 'completed' ? job.results : null;
      return {
        ...slide,
        status: job?.status,
        image_url: r ? media.url(r.raw.key) : null,
        overlay_image_url: r?.overlay ? media.url(r.overlay.key) : null,
      };
    }),
  };
}

/** Every finished clip (`kind: "clip"`, in order) and then the joined video (`kind: "concatenated"`). */
function seriesVideos(set: StoredJobSet, media: MediaService) {
  const out: Record<string, unknown>[] = [];
  for (const j of set.jobs) {
    if (j.status !== 'completed' || !j.results) continue;
    const base = { url: media.url(j.results.raw.key), duration_s: j.extras.duration_s };
    if (j.kind === 'series_clip')
      out.push({ kind: 'clip', index: j.index, ...base, keyframe_url: j.results.poster ? media.url(j.results.poster.key) : null });
    else out.push({ kind: 'concatenated', ...base });
  }
  return out;
}

/**
 * The series plan with each scene's clip once it has it (status, `video_url`, `keyframe_url`,
 * the motions rendered) and the concatenated video's state (transitions and caption method used).
 */
function renderSeries(set: StoredJobSet, media: MediaService) {
  const plan = set.inputParams.series as { scenes: { index: number }[] } & Record<string, unknown>;
  const clips = set.jobs.filter((j) => j.kind === 'series_clip');
  const concat = set.jobs.find((j) => j.kind === 'series_concat');
  const done = (j: Job | undefined) => (j?.status === 'completed' ? j.results : null);
  return {
    ...plan,
    scenes: plan.scenes.map((scene, i) => {
      const j = clips[i];
      const r = done(j);
      return {
        ...scene,
        status: j ? wireJobStatus(j.status) : null,
        video_url: r ? media.url(r.raw.key) : null,
        keyframe_url: r?.poster ? media.url(r.poster.key) : null,
        ...(j?.error ? { error: j.error } : {}),
      };
    }),
    concatenated: concat
      ? {
          status: wireJobStatus(concat.status),
          video_url: done(concat) ? media.url(concat.results!.raw.key) : null,
          ...(done(concat)
            ? { duration_s: concat.extras.duration_s, transitions: concat.extras.transitions, captions: concat.extras.captions }
            : {}),
          ...(concat.error ? { error: concat.error } : {}),
        }
      : null,
  };
}
