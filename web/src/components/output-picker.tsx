import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';

/** Recent completed images of this account, to reuse one as an input. */
export function OutputPicker({ onPick, selected, label }: { onPick: (url: string) => void; selected: string | null; label: string }) {
  const [urls, setUrls] = useState<{ min: string; raw: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.jobSets({ kind: 'soul', status: 'completed', limit: 12 }).then(
      (page) =>
        setUrls(
          page.items.flatMap((s) =>
            s.jobs.filter((j) => j.results?.raw.type === 'image').map((j) => ({ min: j.results!.min.url, raw: j.results!.raw.url })),
          ),
        ),
      (e: Error) => setError(e.message),
    );
  }, []);
  if (error) return <p class="muted small">Your outputs could not be listed: {error}</p>;
  if (!urls) return <p class="muted small">Loading your outputs…</p>;
  if (!urls.length) return <p class="muted small">No finished images yet: generate one on the Image page, or upload.</p>;
  return (
    <div class="picker" role="group" aria-label={label}>
      {urls.map((u, i) => (
        <button
          type="button"
          key={u.raw}
          class={`pick ${selected === u.raw ? 'selected' : ''}`}
          aria-pressed={selected === u.raw}
          onClick={() => onPick(u.raw)}
          aria-label={`Use output ${i + 1}`}
        >
          <img src={u.min} alt="" loading="lazy" />
        </button>
      ))}
    </div>
  );
}

/** The chosen input image with a way to clear it. */
export function ChosenImage({ url, onClear, label }: { url: string; onClear: () => void; label: string }) {
  return (
    <div class="chosen">
      <img src={url} alt={label} />
      <button type="button" class="ghost small" onClick={onClear}>
        Remove
      </button>
    </div>
  );
}
