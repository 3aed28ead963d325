import { useState } from 'preact/hooks';

/**
 * A form's one async action: `busy` while it runs, its error message shown afterwards. Every
 * page's submit goes through it so a failure is always shown and the button always comes back.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
