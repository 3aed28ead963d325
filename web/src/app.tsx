import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Account, api, ApiError, type Credential, storeCredential, storedCredential } from './api';
import { PAGES, usePage } from './nav';
import { SignIn } from './pages/sign-in';
import { ImagePage } from './pages/image';
import { VideoPage } from './pages/video';
import { WorkflowsPage } from './pages/workflows';
import { CharactersPage } from './pages/characters';
import { HistoryPage } from './pages/history';
import { AccountPage } from './pages/account';
import { AccountContext } from './account-context';
import { credits } from './format';

export function App() {
  const [signedIn, setSignedIn] = useState(() => storedCredential() !== null);
  const [account, setAccount] = useState<Account | null>(null);
  const [page, visit] = usePage();
  const main = useRef<HTMLElement>(null);

  const refresh = useCallback(async () => {
    try {
      setAccount(await api.account());
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        storeCredential(null);
        setSignedIn(false);
      }
    }
  }, []);

  useEffect(() => {
    if (signedIn) void refresh();
  }, [signedIn, refresh]);

  // A page change moves focus to the new page's heading, as a screen reader user expects.
  useEffect(() => {
    if (visit > 0) main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [page, visit]);

  const onSignIn = (c: Credential, a: Account) => {
    storeCredential(c);
    setAccount(a);
    setSignedIn(true);
  };

  if (!signedIn) return <SignIn onSignIn={onSignIn} />;

  return (
    <AccountContext.Provider value={{ account, refresh }}>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.querySelector<HTMLElement>('h1')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand" aria-label="opensoul studio">
          <span class="logo" aria-hidden="true" />
          <span>opensoul</span>
          <span class="brand-sub">studio</span>
        </div>
        <nav aria-label="Pages" class="tabs">
          {PAGES.map((p) => (
            <a key={p.id} href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined} class={p.id === page ? 'tab active' : 'tab'}>
              {p.label}
            </a>
          ))}
        </nav>
        <div class="session">
          <a href="#/account" class="balance" title="Credit balance" data-testid="balance">
            {account ? `${credits(account.credits)} credits` : '…'}
          </a>
          <button
            type="button"
            class="ghost small"
            onClick={() => {
              storeCredential(null);
              setAccount(null);
              setSignedIn(false);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} class="page">
        {page === 'image' && <ImagePage key={visit} />}
        {page === 'video' && <VideoPage key={visit} />}
        {page === 'workflows' && <WorkflowsPage key={visit} />}
        {page === 'characters' && <CharactersPage />}
        {page === 'history' && <HistoryPage />}
        {page === 'account' && <AccountPage />}
      </main>
    </AccountContext.Provider>
  );
}
