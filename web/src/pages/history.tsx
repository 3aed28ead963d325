import { useEffect, useState } from 'preact/hooks';
import { api, type ListedJobSet } from '../api';
import { JobSetView } from '../components/job-set';

const KINDS = [
  { value: '', label: 'All kinds' },
  { value: 'soul', label: 'Images and carousels' },
  { value: 'dop', label: 'Videos' },
  { value: 'series_clip', label: 'Video series' },
  { value: 'soul_id', label: 'Characters' },
];
const STATUSES = [
  { value: '', label: 'Any status' },
  { value: 'queued', label: 'Queued' },
  { value: 'in_progress', label: 'Running' },
  { value: 'completed', label: 'Completed' },
  { value: 'failed', label: 'Failed' },
  { value: 'nsfw', label: 'Withheld' },
  { value: 'canceled', label: 'Canceled' },
];
const PAGE = 12;

export function HistoryPage() {
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const [items, setItems] = useState<ListedJobSet[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (from: string | null, replace: boolean) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.jobSets({ limit: PAGE, cursor: from, kind, status });
      setItems((prev) => (replace || !prev ? page.items : [...prev, ...page.items]));
      setCursor(page.next_cursor);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null, true);
  }, [kind, status]);

  return (
    <div class="narrow">
      <div class="page-head">
        <h1 tabIndex={-1}>History</h1>
        <div class="filters">
          <label>
            <span class="visually-hidden">Kind</span>
            <select value={kind} onChange={(e) => setKind(e.currentTarget.value)} aria-label="Filter by kind">
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span class="visually-hidden">Status</span>
            <select value={status} onChange={(e) => setStatus(e.currentTarget.value)} aria-label="Filter by status">
              {STATUSES.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="ghost small" onClick={() => void load(null, true)} disabled={loading}>
            Refresh
          </button>
        </div>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p class="empty muted">Nothing here yet{kind || status ? ' for these filters' : ''}.</p>}
      <div class="history" aria-busy={loading}>
        {items?.map((s) => (
          <JobSetView key={s.id} initial={s} />
        ))}
      </div>
      {cursor && (
        <div class="more">
          <button type="button" class="ghost" onClick={() => void load(cursor, false)} disabled={loading}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </div>
  );
}
