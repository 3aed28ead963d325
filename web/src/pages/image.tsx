import { useMemo, useState } from 'preact/hooks';
import { CharacterSelect } from '../components/character-select';
import { AspectPicker } from '../components/aspect-picker';
import { CodeSamples } from '../components/code-samples';
import { DropZone } from '../components/drop-zone';
import { Segmented, SeedField, Slider } from '../components/fields';
import { JobSetView } from '../components/job-set';
import { ChosenImage, OutputPicker } from '../components/output-picker';
import { Price } from '../components/price';
import { StyleGallery } from '../components/style-gallery';
import { takeHandoff } from '../nav';
import { DEFAULT_SOUL, type SoulForm, soulRequest } from '../requests';
import { useSubmitRuns } from '../use-submit-runs';
import { SubmitBar } from '../components/submit-bar';

export function ImagePage() {
  const [form, setForm] = useState<SoulForm>(() => ({ ...DEFAULT_SOUL, ...takeHandoff()?.soul }));
  const { runs, busy, error, submit } = useSubmitRuns();
  const [refFrom, setRefFrom] = useState<'upload' | 'outputs'>('upload');
  const set = <K extends keyof SoulForm>(k: K, v: SoulForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  const request = useMemo(() => soulRequest(form), [form]);
  // The price does not depend on the prompt; an empty one is quoted as if written.
  const quoteRequest = useMemo(() => soulRequest({ ...form, prompt: form.prompt.trim() || 'a prompt' }), [form]);

  const generate = async (e: Event) => {
    e.preventDefault();
    await submit(request);
  };

  return (
    <div class="workspace">
      <form class="controls card" onSubmit={(e) => void generate(e)} aria-labelledby="image-title">
        <h1 id="image-title" tabIndex={-1}>
          Image <span class="muted h-sub">Soul</span>
        </h1>
        <label for="prompt">Prompt</label>
        <textarea
          id="prompt"
          rows={4}
          required
          placeholder="A portrait in soft window light, film grain"
          value={form.prompt}
          onInput={(e) => set('prompt', e.currentTarget.value)}
        />
        <label class="check">
          <input type="checkbox" checked={form.enhancePrompt} onChange={(e) => set('enhancePrompt', e.currentTarget.checked)} />
          Enhance prompt
        </label>
        <AspectPicker value={form.size} onChange={(s) => set('size', s)} />
        <div class="row">
          <Segmented
            name="quality"
            legend="Quality"
            value={form.quality}
            options={[
              { value: '720p', label: '720p' },
              { value: '1080p', label: '1080p' },
            ]}
            onChange={(v) => set('quality', v)}
          />
          <Segmented
            name="batch"
            legend="Images"
            value={form.batch}
            options={[
              { value: 1, label: '1' },
              { value: 4, label: '4' },
            ]}
            onChange={(v) => set('batch', v)}
          />
        </div>
        <SeedField seed={form.seed} onChange={(s) => set('seed', s)} />
        <StyleGallery value={form.styleId} onChange={(id) => set('styleId', id)} />
        {form.styleId && (
          <Slider id="style-strength" label="Style strength" value={form.styleStrength} onChange={(v) => set('styleStrength', v)} />
        )}

        <fieldset>
          <legend>Image reference</legend>
          {form.imageReferenceUrl ? (
            <ChosenImage url={form.imageReferenceUrl} label="Image reference" onClear={() => set('imageReferenceUrl', null)} />
          ) : (
            <>
              <Segmented
                name="ref-from"
                legend="Source"
                value={refFrom}
                options={[
                  { value: 'upload', label: 'Upload' },
                  { value: 'outputs', label: 'My outputs' },
                ]}
                onChange={setRefFrom}
              />
              {refFrom === 'upload' ? (
                <DropZone label="Choose reference image" onUploaded={([u]) => set('imageReferenceUrl', u)} />
              ) : (
                <OutputPicker label="Your outputs" selected={form.imageReferenceUrl} onPick={(u) => set('imageReferenceUrl', u)} />
              )}
            </>
          )}
        </fieldset>

        <fieldset>
          <legend>Character (Soul ID)</legend>
          <CharacterSelect value={form.characterId} onChange={(id) => set('characterId', id)} />
          {form.characterId && (
            <Slider
              id="character-strength"
              label="Character strength"
              value={form.characterStrength}
              onChange={(v) => set('characterStrength', v)}
            />
          )}
        </fieldset>

        <SubmitBar price={<Price request={quoteRequest} />} label="Generate" busy={busy} error={error} />
      </form>

      <div class="results">
        <section aria-labelledby="runs-title" class="runs">
          <h2 id="runs-title">This session</h2>
          {runs.length === 0 && (
            <p class="empty muted">
              Your images appear here as they render, with a progress bar per image. Everything you make is also in History.
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
