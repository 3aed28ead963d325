import { useState } from 'preact/hooks';
import { type Account, api, type Credential, parseCredential } from '../api';
import { useAction } from '../use-action';

export function SignIn({ onSignIn }: { onSignIn: (c: Credential, a: Account) => void }) {
  const [text, setText] = useState('');
  const { busy, error, setError, run } = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const c = parseCredential(text);
    if (!c) {
      setError('Paste the whole key: KEY_ID:KEY_SECRET, as printed when the server started.');
      return;
    }
    await run(async () => onSignIn(c, await api.account(c)));
  };

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <div class="brand big">
          <span class="logo" aria-hidden="true" />
          <span>opensoul</span>
          <span class="brand-sub">studio</span>
        </div>
        <h1 id="signin-title">Sign in</h1>
        <p class="muted">
          Paste the API key printed when opensoul started. It stays in this tab only (sessionStorage) and is sent as the{' '}
          <code>hf-api-key</code> / <code>hf-secret</code> headers.
        </p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="KEY_ID:KEY_SECRET"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          aria-describedby={error ? 'signin-error' : undefined}
          required
        />
        {error && (
          <p id="signin-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
