import { useEffect, useState } from 'preact/hooks';
import { api, type LedgerEntry } from '../api';
import { useAccount } from '../account-context';
import { credits, when } from '../format';

const REASON: Record<string, string> = { grant: 'Grant', charge: 'Charge', refund: 'Refund', adjust: 'Adjustment' };

export function AccountPage() {
  const { account, refresh } = useAccount();
  const [ledger, setLedger] = useState<LedgerEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void refresh();
    api.ledger(100).then(
      (r) => setLedger(r.items),
      (e: Error) => setError(e.message),
    );
  }, []);
  const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

  return (
    <div class="narrow">
      <div class="page-head">
        <h1 tabIndex={-1}>Account</h1>
        {account && (
          <span class="muted small">
            {account.name} · key {account.key_id}
          </span>
        )}
      </div>
      <div class="stats">
        <div class="card stat">
          <span class="muted small">Balance</span>
          <strong class="num big" data-testid="account-balance">
            {account ? credits(account.credits) : '…'}
          </strong>
          <span class="muted small">credits</span>
        </div>
        <div class="card stat">
          <span class="muted small">In flight</span>
          <strong class="num big">{account ? account.in_flight_requests : '…'}</strong>
          <span class="muted small">of {account?.limits.max_concurrent_requests ?? '…'} at once</span>
        </div>
        <div class="card stat">
          <span class="muted small">Limits</span>
          <span class="small">{account ? `${account.limits.requests_per_minute} requests / minute` : '…'}</span>
          <span class="small">
            {account
              ? `uploads up to ${mb(account.limits.upload_max_bytes)}, ${Math.round(account.limits.upload_max_pixels / 1e6)} MP`
              : ''}
          </span>
        </div>
      </div>
      <section class="card" aria-labelledby="ledger-title">
        <h2 id="ledger-title">Credit ledger</h2>
        {error && <p class="error">{error}</p>}
        {ledger && ledger.length === 0 && <p class="muted">No credit movements yet.</p>}
        {ledger && ledger.length > 0 && (
          <div class="table-wrap">
            <table class="ledger" data-testid="ledger">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col" class="right">
                    Credits
                  </th>
                  <th scope="col" class="right">
                    Balance
                  </th>
                  <th scope="col" class="hide-narrow">
                    Job set
                  </th>
                </tr>
              </thead>
              <tbody>
                {ledger.map((l, i) => (
                  <tr key={i} data-reason={l.reason}>
                    <td>{when(l.at)}</td>
                    <td>
                      <span class={`badge ${l.reason}`}>{REASON[l.reason] ?? l.reason}</span>
                      {l.note && <span class="muted small"> {l.note}</span>}
                    </td>
                    <td class={`right num ${l.credits >= 0 ? 'plus' : 'minus'}`}>{`${l.credits >= 0 ? '+' : ''}${credits(l.credits)}`}</td>
                    <td class="right num">{credits(l.balance_after)}</td>
                    <td class="mono small hide-narrow">{l.job_set_id ? `${l.job_set_id.slice(0, 8)}…` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
