import { useEffect, useRef, useState } from 'preact/hooks';
import { api, followJobSet, isActive, type Job, type JobSet, type ListedJobSet } from '../api';
import { jobSetStatus } from '../../../src/domain/job';
import { credits, when } from '../format';
import { go } from '../nav';
import { dopFormFrom, soulFormFrom, workflowFormFrom } from '../requests';
import { JobProgress, StatusBadge } from './progress';
import { Lightbox } from './lightbox';
import { WorkflowResult } from './workflow-result';
import { useAccount } from '../account-context';

const TYPE_LABEL: Record<string, string> = {
  text2image_soul: 'Image',
  text2image_popcorn: 'Popcorn',
  image2video: 'Video',
  soul_id: 'Character',
  social_carousel: 'Carousel',
  social_video_series: 'Video series',
};
const WORKFLOWS = ['social_carousel', 'social_video_series'];

/** A part's name in its set: a carousel's slides, a series' clips and its join. */
function partLabel(set: JobSet, i: number): string | undefined {
  if (set.type === 'social_carousel') return `Slide ${i + 1}`;
  if (set.type === 'social_video_series') return i === set.jobs.length - 1 ? 'Joined video' : `Clip ${i + 1}`;
  return undefined;
}

/**
 * A job set that keeps itself current: while any job runs it follows the set's event stream
 * (status changes and per-step progress, no polling) and stops at the end state.
 */
export function useLiveJobSet<T extends JobSet>(initial: T, onEnd?: (set: T) => void): [T, (s: T) => void, string | null] {
  const [set, setSet] = useState<T>(initial);
  const [error, setError] = useState<string | null>(null);
  const active = isActive(set);
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) onEnd?.(set);
    wasActive.current = active;
  }, [active]);
  useEffect(() => {
    if (!active) return;
    return followJobSet(set.id, {
      status: (s) => setSet((prev) => ({ ...prev, ...s })),
      progress: (p) =>
        setSet((prev) => ({
          ...prev,
          jobs: prev.jobs.map((j) =>
            j.id === p.job_id
              ? { ...j, status: j.status === 'queued' ? 'in_progress' : j.status, progress: { step: p.step, total: p.total } }
              : j,
          ),
        })),
      done: (s) => setSet((prev) => ({ ...prev, ...s })),
      error: (e) => setError(`Live updates stopped: ${e.message}`),
    });
  }, [set.id, active]);
  return [set, setSet, error];
}

function Output({ job, index, setId }: { job: Job; index: number; setId: string }) {
  const [open, setOpen] = useState(false);
  const r = job.results;
  if (!r) return null;
  if (r.raw.type === 'video') {
    return (
      <figure class="output video">
        <video
          controls
          playsInline
          preload="metadata"
          src={r.raw.url}
          poster={job.poster_url}
          aria-label={`Video output ${index + 1}`}
          data-testid="output-video"
        />
        <figcaption>
          <a href={r.raw.url} download={`${setId}-${index + 1}.mp4`}>
            Download MP4
          </a>
        </figcaption>
      </figure>
    );
  }
  return (
    <figure class="output">
      <button type="button" class="thumb" onClick={() => setOpen(true)} aria-label={`Open image ${index + 1} full size`}>
        <img src={r.min.url} alt={`Output ${index + 1}`} loading="lazy" data-testid="output-image" />
      </button>
      <figcaption>
        <button type="button" class="link small" onClick={() => go('video', { dop: { imageUrl: r.raw.url } })}>
          Animate
        </button>
        <a class="small" href={r.raw.url} download={`${setId}-${index + 1}.png`}>
          Download
        </a>
        {typeof job.identity_score === 'number' && <span class="muted small">identity {job.identity_score.toFixed(2)}</span>}
      </figcaption>
      {open && <Lightbox src={r.raw.url} name={`${setId}-${index + 1}.png`} onClose={() => setOpen(false)} />}
    </figure>
  );
}

function runAgain(set: JobSet) {
  if (set.type === 'text2image_soul') go('image', { soul: soulFormFrom(set.input_params) });
  else if (set.type === 'image2video') go('video', { dop: dopFormFrom(set.input_params) });
  else if (WORKFLOWS.includes(set.type)) go('workflows', { workflow: workflowFormFrom(set.input_params) });
}
const canRunAgain = (type: string) => ['text2image_soul', 'image2video', ...WORKFLOWS].includes(type);

export function JobSetView({
  initial,
  compact = false,
  onEnd,
}: {
  initial: JobSet | ListedJobSet;
  compact?: boolean;
  onEnd?: (s: JobSet) => void;
}) {
  const { refresh } = useAccount();
  const [set, setSet, liveError] = useLiveJobSet<JobSet | ListedJobSet>(initial, (s) => {
    void refresh();
    onEnd?.(s);
  });
  const [canceling, setCanceling] = useState(false);
  const [actionError, setError] = useState<string | null>(null);
  const error = actionError ?? liveError;
  useEffect(() => setSet(initial), [initial]);
  const status = jobSetStatus(set.jobs);
  const active = isActive(set);
  const listed = 'cost_credits' in set ? (set as ListedJobSet) : null;
  const p = set.input_params;
  const errors = [...new Set(set.jobs.map((j) => j.error).filter(Boolean))];

  const cancel = async () => {
    setCanceling(true);
    try {
      setSet({ ...set, ...(await api.cancel(set.id)) });
      void refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setCanceling(false);
    }
  };

  return (
    <article
      class="card jobset"
      data-testid="job-set"
      data-id={set.id}
      data-status={status}
      aria-label={`${TYPE_LABEL[set.type] ?? set.type} ${when(set.created_at)}, ${status}`}
    >
      <header class="jobset-head">
        <div>
          <span class="kind">{TYPE_LABEL[set.type] ?? set.type}</span>
          <StatusBadge status={status} />
          <time class="muted small" dateTime={set.created_at}>
            {when(set.created_at)}
          </time>
        </div>
        <div class="jobset-actions">
          {listed && (
            <span class="small money" data-testid="cost">
              {credits(listed.cost_credits)} cr
              {listed.refunded_credits > 0 && <span class="refund"> · refunded {credits(listed.refunded_credits)}</span>}
            </span>
          )}
          {active && (
            <button type="button" class="ghost small danger" onClick={() => void cancel()} disabled={canceling}>
              {canceling ? 'Canceling…' : 'Cancel'}
            </button>
          )}
          {!active && canRunAgain(set.type) && (
            <button type="button" class="ghost small" onClick={() => runAgain(set)}>
              Run again
            </button>
          )}
        </div>
      </header>
      {typeof p.prompt === 'string' && p.prompt && <p class="prompt">{p.prompt}</p>}
      {typeof p.topic === 'string' && <p class="prompt">{p.topic}</p>}
      <p class="muted small facts">
        {typeof p.width === 'number' && <span>{`${p.width}×${p.height}`}</span>}
        {typeof p.quality === 'string' && <span>{p.quality}</span>}
        {typeof p.model === 'string' && <span>{p.model}</span>}
        {typeof p.slide_count === 'number' && <span>{p.slide_count} slides</span>}
        {typeof p.aspect_ratio === 'string' && <span>{p.aspect_ratio}</span>}
        {typeof p.target_duration === 'number' && <span>{`≥ ${p.target_duration} s, ${String(p.clip_duration)} s clips`}</span>}
        {typeof p.resolution === 'string' && <span>{p.resolution}</span>}
        {typeof p.seed === 'number' && <span data-testid="seed">seed {p.seed}</span>}
        {Array.isArray(p.motions) && p.motions.length > 0 && (
          <span>{(p.motions as { id: string; strength: number }[]).length} motion(s)</span>
        )}
      </p>
      {(active || compact) && (
        <div class={set.jobs.length > 4 ? 'progress-list many' : 'progress-list'}>
          {set.jobs.map((j, i) => (
            <JobProgress key={j.id} job={j} index={i} label={partLabel(set, i)} />
          ))}
        </div>
      )}
      {WORKFLOWS.includes(set.type) ? (
        !active && <WorkflowResult id={set.id} version={status} open={compact} />
      ) : (
        <div class="outputs">
          {set.jobs.map((j, i) => (
            <Output key={j.id} job={j} index={i} setId={set.id} />
          ))}
        </div>
      )}
      {errors.map((e) => (
        <p class="error small" key={e}>
          {e}
        </p>
      ))}
      {error && (
        <p class="error small" role="alert">
          {error}
        </p>
      )}
      {!compact && (
        <details class="inputs">
          <summary>Inputs</summary>
          <pre class="code small">{JSON.stringify(p, null, 2)}</pre>
        </details>
      )}
    </article>
  );
}
