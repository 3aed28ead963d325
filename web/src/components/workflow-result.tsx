import { useEffect, useState } from 'preact/hooks';
import { api, type CarouselSlide, type SeriesScene, type V2Status } from '../api';
import { CopyButton } from './copy-button';
import { Lightbox } from './lightbox';

function PlannedBy({ plan }: { plan: { planner: string; fallback_reason?: string } }) {
  return (
    <p class="muted small" data-testid="planner">
      Planned by {plan.planner === 'llm' ? 'the LLM' : 'the template planner'}
      {plan.fallback_reason && <span title={plan.fallback_reason}> (LLM not used: {plan.fallback_reason})</span>}
    </p>
  );
}

function SlideImage({ url, alt, name }: { url: string; alt: string; name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="thumb" onClick={() => setOpen(true)} aria-label={`Open ${alt} full size`}>
        <img src={url} alt={alt} loading="lazy" />
      </button>
      {open && <Lightbox src={url} name={name} onClose={() => setOpen(false)} />}
    </>
  );
}

function Slide({ s, setId }: { s: CarouselSlide; setId: string }) {
  const n = s.index + 1;
  return (
    <li class="slide" data-testid="slide">
      <div class="slide-pair">
        {s.overlay_image_url ? (
          <SlideImage url={s.overlay_image_url} alt={`Slide ${n} with text`} name={`${setId}-slide-${n}-text.png`} />
        ) : (
          <div class="slide-empty muted small">{s.status ?? 'no image'}</div>
        )}
        {s.image_url && <SlideImage url={s.image_url} alt={`Slide ${n} clean`} name={`${setId}-slide-${n}.png`} />}
      </div>
      <p class="small">
        <span class="muted">Slide {n}:</span> {s.overlay_text}
      </p>
    </li>
  );
}

function CarouselResult({ c, setId }: { c: NonNullable<V2Status['carousel']>; setId: string }) {
  const tags = c.hashtags.join(' ');
  return (
    <div class="workflow-result" data-testid="carousel-result">
      <ol class="slides">
        {c.slides.map((s) => (
          <Slide key={s.index} s={s} setId={setId} />
        ))}
      </ol>
      <div class="copy-block">
        <div class="card-head">
          <h3>Caption</h3>
          <CopyButton text={c.caption} label="Copy caption" />
        </div>
        <p data-testid="caption">{c.caption}</p>
      </div>
      <div class="copy-block">
        <div class="card-head">
          <h3>Hashtags</h3>
          <CopyButton text={tags} label="Copy hashtags" />
        </div>
        <p class="hashtags" data-testid="hashtags">
          {tags}
        </p>
      </div>
      <PlannedBy plan={c} />
    </div>
  );
}

function Scene({ s }: { s: SeriesScene }) {
  return (
    <li class="scene" data-testid="scene">
      {s.video_url ? (
        <video
          controls
          playsInline
          preload="none"
          src={s.video_url}
          poster={s.keyframe_url ?? undefined}
          aria-label={`Clip ${s.index + 1}`}
        />
      ) : (
        <div class="scene-empty muted small">{s.status ?? ''}</div>
      )}
      <div class="scene-plan small">
        <p>
          <strong>
            {s.index + 1} · {s.beat}
          </strong>{' '}
          {s.caption}
        </p>
        <p class="muted">{s.image_prompt}</p>
        <p class="muted">
          Camera: {s.camera || 'none'}
          {s.motions.map((m) => (
            <span class="tag" key={m.id}>
              {m.name} {m.strength}
            </span>
          ))}
        </p>
        {s.error && s.status !== 'canceled' && <p class="error">{s.error}</p>}
      </div>
    </li>
  );
}

function SeriesResult({ s, open }: { s: NonNullable<V2Status['series']>; open: boolean }) {
  const joined = s.concatenated;
  return (
    <div class="workflow-result" data-testid="series-result">
      <h3>{s.title}</h3>
      {joined?.video_url ? (
        <figure class="output video joined">
          <video controls playsInline preload="metadata" src={joined.video_url} aria-label="Joined video" data-testid="joined-video" />
          <figcaption class="small">
            {typeof joined.duration_s === 'number' && <span class="muted">{joined.duration_s.toFixed(1)} s · </span>}
            <a href={joined.video_url} download="series.mp4">
              Download MP4
            </a>
          </figcaption>
        </figure>
      ) : (
        <p class="muted small">
          No joined video{joined?.status === 'canceled' ? ' (canceled)' : joined?.error ? `: ${joined.error}` : ''}.
        </p>
      )}
      <details class="scenes-wrap" open={open}>
        <summary>
          Clips and scene plan ({s.scenes.length} scenes of {s.clip_duration} s, {s.planned_duration} s planned)
        </summary>
        <ol class="scenes">
          {s.scenes.map((x) => (
            <Scene key={x.index} s={x} />
          ))}
        </ol>
      </details>
      <PlannedBy plan={s} />
    </div>
  );
}

/**
 * What a creator workflow made, read from its v2 status (the plan with each part's outputs):
 * a carousel's slides, caption and hashtags, or a series' joined video, clips and scene plan.
 */
export function WorkflowResult({ id, version, open = true }: { id: string; version: string; open?: boolean }) {
  const [body, setBody] = useState<V2Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.requestStatus(id).then(
      (b) => live && setBody(b),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [id, version]);
  if (error) return <p class="error small">{error}</p>;
  if (!body) return <p class="muted small">Loading the result…</p>;
  if (body.carousel) return <CarouselResult c={body.carousel} setId={id} />;
  if (body.series) return <SeriesResult s={body.series} open={open} />;
  return null;
}
