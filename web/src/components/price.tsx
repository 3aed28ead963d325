import { useEffect, useState } from 'preact/hooks';
import { api, type Quote, type StudioRequest } from '../api';
import { credits } from '../format';

/**
 * The server's quote for exactly this request (the code that charges prices it), refreshed
 * as the inputs change; a request the server would refuse shows why instead.
 */
export function useQuote(request: StudioRequest | null): { quote: Quote | null; error: string | null } {
  const [state, setState] = useState<{ quote: Quote | null; error: string | null }>({ quote: null, error: null });
  const key = request ? JSON.stringify(request) : '';
  useEffect(() => {
    if (!request) {
      setState({ quote: null, error: null });
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      api.quote(request).then(
        (quote) => live && setState({ quote, error: null }),
        (e: Error) => live && setState({ quote: null, error: e.message }),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [key]);
  return state;
}

export function Price({ request, hint }: { request: StudioRequest | null; hint?: string }) {
  const { quote, error } = useQuote(request);
  return (
    <div class="price" aria-live="polite" data-testid="price">
      {quote ? (
        <>
          <strong class="num">{credits(quote.credits)}</strong> <span>credits</span>
          {quote.jobs > 1 && <span class="muted small"> · {quote.jobs} jobs</span>}
        </>
      ) : error ? (
        <span class="muted small" title={error}>
          {hint ?? error}
        </span>
      ) : (
        <span class="muted">…</span>
      )}
    </div>
  );
}
