import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Style } from '../api';

/** The style catalogue as preview images, searchable by name and description. */
export function StyleGallery({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const [styles, setStyles] = useState<Style[] | null>(null);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.styles().then(setStyles, (e: Error) => setError(e.message));
  }, []);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (styles ?? []).filter((s) => !q || s.name.toLowerCase().includes(q) || s.description.toLowerCase().includes(q));
  }, [styles, query]);
  const chosen = styles?.find((s) => s.id === value);

  return (
    <fieldset class="styles">
      <legend>Style{chosen ? <span class="muted">: {chosen.name}</span> : <span class="muted">: none</span>}</legend>
      <input
        type="search"
        placeholder="Search styles"
        aria-label="Search styles"
        value={query}
        onInput={(e) => setQuery(e.currentTarget.value)}
      />
      {error && <p class="error small">{error}</p>}
      <div class="style-grid" role="group" aria-label="Styles">
        <button
          type="button"
          class={`style ${value === null ? 'selected' : ''}`}
          aria-pressed={value === null}
          onClick={() => onChange(null)}
        >
          <span class="style-none" aria-hidden="true">
            ∅
          </span>
          <span class="style-name">No style</span>
        </button>
        {shown.map((s) => (
          <button
            type="button"
            key={s.id}
            class={`style ${value === s.id ? 'selected' : ''}`}
            aria-pressed={value === s.id}
            title={s.description}
            onClick={() => onChange(s.id)}
          >
            <img src={s.preview_url} alt="" loading="lazy" width={96} height={128} />
            <span class="style-name">{s.name}</span>
          </button>
        ))}
      </div>
      {styles && !shown.length && <p class="muted small">No style matches “{query}”.</p>}
    </fieldset>
  );
}
