import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Motion, type StudioRequest } from '../api';
import { CodeSamples } from '../components/code-samples';
import { DropZone } from '../components/drop-zone';
import { SeedField, Slider } from '../components/fields';
import { JobSetView } from '../components/job-set';
import { ChosenImage, OutputPicker } from '../components/output-picker';
import { useQuote } from '../components/price';
import { credits } from '../format';
import { takeHandoff } from '../nav';
import { DEFAULT_DOP, DOP_TIERS, type DopForm, type DopTier, dopRequest, MAX_MOTIONS } from '../requests';
import { useSubmitRuns } from '../use-submit-runs';
import { SubmitBar } from '../components/submit-bar';

const TIER_INFO: Record<DopTier, string> = { lite: 'Fast and light', turbo: 'Priority queue', standard: 'Best quality' };

function MotionCard({ m, selected, disabled, onToggle }: { m: Motion; selected: boolean; disabled: boolean; onToggle: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  // Clips load only when played: the grid does not fetch every preview at once.
  const play = () => void video.current?.play().catch(() => {});
  const stop = () => {
    const v = video.current;
    if (v) {
      v.pause();
      v.currentTime = 0;
    }
  };
  return (
    <button
      type="button"
      class={`motion ${selected ? 'selected' : ''}`}
      aria-pressed={selected}
      disabled={disabled && !selected}
      onClick={onToggle}
      onMouseEnter={play}
      onMouseLeave={stop}
      onFocus={play}
      onBlur={stop}
      title={m.description}
      data-motion={m.id}
    >
      <video ref={video} src={m.preview_url} muted loop playsInline preload="none" aria-hidden="true" tabIndex={-1} />
      <span class="play" aria-hidden="true">
        ▶
      </span>
      <span class="motion-name">
        {m.name}
        {m.start_end_frame && <span class="tag">end frame</span>}
      </span>
    </button>
  );
}

function ImageInput({ label, url, onChange }: { label: string; url: string | null; onChange: (u: string | null) => void }) {
  const [from, setFrom] = useState<'upload' | 'outputs'>('outputs');
  if (url) return <ChosenImage url={url} label={label} onClear={() => onChange(null)} />;
  return (
    <>
      <div class="inline-toggle" role="group" aria-label={`${label} source`}>
        <button
          type="button"
          class={from === 'outputs' ? 'chip on' : 'chip'}
          aria-pressed={from === 'outputs'}
          onClick={() => setFrom('outputs')}
        >
          My outputs
        </button>
        <button
          type="button"
          class={from === 'upload' ? 'chip on' : 'chip'}
          aria-pressed={from === 'upload'}
          onClick={() => setFrom('upload')}
        >
          Upload
        </button>
      </div>
      {from === 'upload' ? (
        <DropZone label={`Choose ${label.toLowerCase()}`} onUploaded={([u]) => onChange(u)} />
      ) : (
        <OutputPicker label={label} selected={url} onPick={onChange} />
      )}
    </>
  );
}

function TierPrice({ request }: { request: StudioRequest }) {
  const { quote } = useQuote(request);
  return <span class="hint num">{quote ? `${credits(quote.credits)} cr` : '…'}</span>;
}

export function VideoPage() {
  const [form, setForm] = useState<DopForm>(() => ({ ...DEFAULT_DOP, ...takeHandoff()?.dop }));
  const [motions, setMotions] = useState<Motion[]>([]);
  const [query, setQuery] = useState('');
  const { runs, busy, error, setError, submit } = useSubmitRuns();
  const set = <K extends keyof DopForm>(k: K, v: DopForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  useEffect(() => {
    api.motions().then(setMotions, (e: Error) => setError(e.message));
  }, []);

  const byId = new Map(motions.map((m) => [m.id, m]));
  const needsEnd = form.motions.some((m) => byId.get(m.id)?.start_end_frame);
  const request = useMemo(() => dopRequest(form), [form]);
  // Prices depend on the tier only; each tier is quoted with this form's complete body.
  const quoteBase = {
    ...form,
    prompt: form.prompt,
    imageUrl: form.imageUrl ?? `${location.origin}/favicon.svg`,
    endImageUrl: needsEnd ? (form.endImageUrl ?? `${location.origin}/favicon.svg`) : form.endImageUrl,
  };
  const shown = motions.filter((m) => !query.trim() || `${m.name} ${m.description}`.toLowerCase().includes(query.trim().toLowerCase()));

  const toggle = (id: string) =>
    setForm((f) => {
      const on = f.motions.some((m) => m.id === id);
      if (on) return { ...f, motions: f.motions.filter((m) => m.id !== id) };
      if (f.motions.length >= MAX_MOTIONS) return f;
      return { ...f, motions: [...f.motions, { id, strength: 1 }] };
    });

  const generate = async (e: Event) => {
    e.preventDefault();
    if (!form.imageUrl) {
      setError('Choose a start image first.');
      return;
    }
    await submit(request);
  };

  return (
    <div class="workspace">
      <form class="controls card" onSubmit={(e) => void generate(e)} aria-labelledby="video-title">
        <h1 id="video-title" tabIndex={-1}>
          Video <span class="muted h-sub">DoP</span>
        </h1>
        <fieldset>
          <legend>Start image</legend>
          <ImageInput label="Start image" url={form.imageUrl} onChange={(u) => set('imageUrl', u)} />
        </fieldset>
        <fieldset class="motions-field">
          <legend>
            Motions{' '}
            <span class="muted">
              ({form.motions.length}/{MAX_MOTIONS}; none: picked from camera words in the prompt)
            </span>
          </legend>
          <input
            type="search"
            placeholder="Search motions"
            aria-label="Search motions"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
          <div class="motion-grid">
            {shown.map((m) => (
              <MotionCard
                key={m.id}
                m={m}
                selected={form.motions.some((x) => x.id === m.id)}
                disabled={form.motions.length >= MAX_MOTIONS}
                onToggle={() => toggle(m.id)}
              />
            ))}
          </div>
          {form.motions.map((m) => (
            <Slider
              key={m.id}
              id={`motion-${m.id}`}
              label={`${byId.get(m.id)?.name ?? m.id} strength`}
              value={m.strength}
              onChange={(v) =>
                set(
                  'motions',
                  form.motions.map((x) => (x.id === m.id ? { ...x, strength: v } : x)),
                )
              }
            />
          ))}
        </fieldset>
        {needsEnd && (
          <fieldset>
            <legend>End frame</legend>
            <ImageInput label="End frame" url={form.endImageUrl} onChange={(u) => set('endImageUrl', u)} />
          </fieldset>
        )}
        <label for="dop-prompt">Prompt</label>
        <textarea
          id="dop-prompt"
          rows={3}
          placeholder="Slow push in, warm evening light"
          value={form.prompt}
          onInput={(e) => set('prompt', e.currentTarget.value)}
        />
        <label class="check">
          <input type="checkbox" checked={form.enhancePrompt} onChange={(e) => set('enhancePrompt', e.currentTarget.checked)} />
          Enhance prompt
        </label>
        <fieldset class="segmented">
          <legend>Model</legend>
          <div class="segments">
            {DOP_TIERS.map((t) => (
              <label key={t} class={t === form.tier ? 'segment checked' : 'segment'}>
                <input type="radio" name="tier" value={t} checked={t === form.tier} onChange={() => set('tier', t)} />
                <span>{t[0].toUpperCase() + t.slice(1)}</span>
                <TierPrice request={dopRequest({ ...quoteBase, tier: t })} />
                <span class="hint">{TIER_INFO[t]}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <SeedField seed={form.seed} onChange={(s) => set('seed', s)} />
        <SubmitBar price={<TierTotal request={dopRequest(quoteBase)} />} label="Animate" busy={busy} error={error} />
      </form>
      <div class="results">
        <section aria-labelledby="vruns-title" class="runs">
          <h2 id="vruns-title">This session</h2>
          {runs.length === 0 && <p class="empty muted">Clips appear here as their frames render.</p>}
          {runs.map((r) => (
            <JobSetView key={r.id} initial={r} compact />
          ))}
        </section>
        <CodeSamples request={request} />
      </div>
    </div>
  );
}

function TierTotal({ request }: { request: StudioRequest }) {
  const { quote, error } = useQuote(request);
  return (
    <div class="price" aria-live="polite" data-testid="price">
      {quote ? (
        <>
          <strong class="num">{credits(quote.credits)}</strong> <span>credits</span>
        </>
      ) : (
        <span class="muted small">{error ?? '…'}</span>
      )}
    </div>
  );
}
