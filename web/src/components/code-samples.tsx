import { useMemo, useState } from 'preact/hooks';
import type { StudioRequest } from '../api';
import { samples } from '../samples';
import { CopyButton } from './copy-button';

/** "Copy as": tabs of samples rendered from the request the studio is about to send. */
export function CodeSamples({ request }: { request: StudioRequest }) {
  const list = useMemo(() => samples(request, location.origin), [request]);
  const [tab, setTab] = useState(list[0].id);
  const current = list.find((s) => s.id === tab) ?? list[0];

  const onKey = (e: KeyboardEvent) => {
    const i = list.findIndex((s) => s.id === current.id);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const s = list[(next + list.length) % list.length];
    setTab(s.id);
    document.getElementById(`sample-tab-${s.id}`)?.focus();
  };

  return (
    <section class="card samples" aria-labelledby="samples-title">
      <div class="card-head">
        <h2 id="samples-title">Code for these inputs</h2>
        {/* Keyed by sample: "Copied" belongs to the sample that was copied, not to the next tab. */}
        <CopyButton key={current.id} text={current.code} label={`Copy ${current.label}`} testId="copy-sample" />
      </div>
      <div role="tablist" aria-label="Language" class="sample-tabs" onKeyDown={onKey}>
        {list.map((s) => (
          <button
            key={s.id}
            id={`sample-tab-${s.id}`}
            type="button"
            role="tab"
            aria-selected={s.id === current.id}
            aria-controls="sample-panel"
            tabIndex={s.id === current.id ? 0 : -1}
            class="sample-tab"
            onClick={() => setTab(s.id)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div id="sample-panel" role="tabpanel" aria-labelledby={`sample-tab-${current.id}`}>
        <p class="muted small">
          Set <code>OPENSOUL_KEY_ID</code> and <code>OPENSOUL_KEY_SECRET</code> in your environment. {current.note}
        </p>
        <pre class="code" tabIndex={0} data-testid="sample-code" data-sample={current.id}>
          <code>{current.code}</code>
        </pre>
      </div>
    </section>
  );
}
