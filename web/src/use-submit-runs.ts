import { useState } from 'preact/hooks';
import { useAccount } from './account-context';
import { api, type JobSet, type StudioRequest } from './api';
import { useAction } from './use-action';

/**
 * A generation page's submit: the request goes through useAction (busy, error shown), the new set
 * leads this session's runs, and the balance in the header is refreshed after the charge.
 */
export function useSubmitRuns() {
  const [runs, setRuns] = useState<JobSet[]>([]);
  const { busy, error, setError, run } = useAction();
  const { refresh } = useAccount();
  const submit = (request: StudioRequest) =>
    run(async () => {
      const s = await api.submit(request);
      setRuns((r) => [s, ...r]);
      void refresh();
    });
  return { runs, busy, error, setError, submit };
}
