import { useMemo, useState } from 'preact/hooks';
import { CharacterSelect } from '../components/character-select';
import { CodeSamples } from '../components/code-samples';
import { Segmented, SeedField } from '../components/fields';
import { JobSetView } from '../components/job-set';
import { Price } from '../components/price';
import { SubmitBar } from '../components/submit-bar';
import { takeHandoff } from '../nav';
import {
  CAROUSEL_RATIOS,
  DEFAULT_WORKFLOW,
  SERIES_RESOLUTIONS,
  SERIES_TEMPLATES,
  type WorkflowForm,
  type WorkflowKind,
  workflowRequest,
} from '../requests';
import { useSubmitRuns } from '../use-submit-runs';

const KINDS: { id: WorkflowKind; label: string; hint: string }[] = [
  { id: 'carousel', label: 'Instagram carousel', hint: 'Slides with overlay copy, caption, hashtags' },
  ...SERIES_TEMPLATES.map((t) => ({ id: t.id, label: `Series: ${t.label}`, hint: `9:16 clips joined into one video. ${t.hint}` })),
];

/** Creator workflows: a brief becomes a planned carousel or video series, one job set of many parts. */
export function WorkflowsPage() {
  const [form, setForm] = useState<WorkflowForm>(() => ({ ...DEFAULT_WORKFLOW, ...takeHandoff()?.workflow }));
  const { runs, busy, error, submit: submitRequest } = useSubmitRuns();
  const set = <K extends keyof WorkflowForm>(k: K, v: WorkflowForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const carousel = form.kind === 'carousel';

  const request = useMemo(() => workflowRequest(form), [form]);
  // The price depends on the part count only; an empty topic is quoted as if written.
  const quoteRequest = useMemo(() => workflowRequest({ ...form, topic: form.topic.trim() || 'a topic' }), [form]);

  const submit = async (e: Event) => {
    e.preventDefault();
    await submitRequest(request);
  };

  return (
    <div class="workspace">
      <form class="controls card" onSubmit={(e) => void submit(e)} aria-labelledby="workflows-title">
        <h1 id="workflows-title" tabIndex={-1}>
          Workflows <span class="muted h-sub">carousel, video series</span>
        </h1>
        <label for="workflow-kind">Workflow</label>
        <select
          id="workflow-kind"
          value={form.kind}
          onChange={(e) => set('kind', e.currentTarget.value as WorkflowKind)}
          aria-describedby="workflow-hint"
        >
          {KINDS.map((k) => (
            <option key={k.id} value={k.id}>
              {k.label}
            </option>
          ))}
        </select>
        <p id="workflow-hint" class="muted small hint-line">
          {KINDS.find((k) => k.id === form.kind)?.hint}
        </p>
        <label for="topic">Topic</label>
        <textarea
          id="topic"
          rows={3}
          required
          maxLength={2000}
          placeholder={carousel ? 'Five habits of calm mornings' : 'How to repot a houseplant'}
          value={form.topic}
          onInput={(e) => set('topic', e.currentTarget.value)}
        />

        {carousel ? (
          <div class="row">
            <div class="field">
              <label for="slide-count">Slides</label>
              <input
                id="slide-count"
                type="number"
                min={2}
                max={10}
                step={1}
                value={form.slideCount}
                onInput={(e) => set('slideCount', Math.trunc(Number(e.currentTarget.value)))}
              />
            </div>
            <Segmented
              name="carousel-aspect"
              legend="Aspect"
              value={form.aspectRatio}
              options={CAROUSEL_RATIOS.map((r) => ({ value: r, label: r }))}
              onChange={(v) => set('aspectRatio', v)}
            />
          </div>
        ) : (
          <>
            <div class="row">
              <div class="field">
                <label for="target-duration">Target duration (s)</label>
                <input
                  id="target-duration"
                  type="number"
                  min={90}
                  max={300}
                  step={5}
                  value={form.targetDuration}
                  onInput={(e) => set('targetDuration', Math.trunc(Number(e.currentTarget.value)))}
                />
              </div>
              <Segmented
                name="clip-duration"
                legend="Clip duration"
                value={form.clipDuration}
                options={[
                  { value: 5, label: '5 s' },
                  { value: 10, label: '10 s' },
                ]}
                onChange={(v) => set('clipDuration', v)}
              />
            </div>
            <Segmented
              name="resolution"
              legend="Resolution"
              value={form.resolution}
              options={SERIES_RESOLUTIONS.map((r) => ({ value: r, label: r }))}
              onChange={(v) => set('resolution', v)}
            />
          </>
        )}

        <fieldset>
          <legend>Character (Soul ID)</legend>
          <CharacterSelect value={form.characterId} onChange={(id) => set('characterId', id)} />
        </fieldset>
        <SeedField seed={form.seed} onChange={(s) => set('seed', s)} />
        <SubmitBar price={<Price request={quoteRequest} />} label={carousel ? 'Make carousel' : 'Make series'} busy={busy} error={error} />
      </form>

      <div class="results">
        <section aria-labelledby="wruns-title" class="runs">
          <h2 id="wruns-title">This session</h2>
          {runs.length === 0 && (
            <p class="empty muted">
              Each part gets its own progress bar; the slides, caption and hashtags, or the joined video with its clips and scene plan,
              appear here when the set ends.
            </p>
          )}
          {runs.map((r) => (
            <JobSetView key={r.id} initial={r} compact />
          ))}
        </section>
        <CodeSamples request={request} />
      </div>
    </div>
  );
}
