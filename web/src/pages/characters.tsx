import { useEffect, useState } from 'preact/hooks';
import { api, type Character } from '../api';
import { CodeSamples } from '../components/code-samples';
import { DropZone } from '../components/drop-zone';
import { Price } from '../components/price';
import { StatusBadge } from '../components/progress';
import { useAccount } from '../account-context';
import { when } from '../format';
import { go } from '../nav';
import { characterRequest } from '../requests';
import { useAction } from '../use-action';
import { SubmitBar } from '../components/submit-bar';

interface Photo {
  url: string;
  preview: string;
}

const building = (c: Character) => c.status === 'queued' || c.status === 'in_progress';

/** Each photo with its check: accepted, or the reason it was refused. */
function PhotoChecks({ c, photos }: { c: Character; photos: { url: string }[] }) {
  const media = c.reference_media ?? [];
  return (
    <ul class="photo-checks" aria-label={`Photo checks for ${c.name}`}>
      {photos.map((p, i) => {
        const issue = c.quality_report.find((q) => q.index === i);
        const m = media[i];
        const ok = !building(c) && !issue && (m ? m.accepted : c.status === 'completed');
        return (
          <li
            key={p.url}
            class={`photo ${building(c) ? 'pending' : ok ? 'ok' : 'refused'}`}
            data-testid="photo-check"
            data-accepted={building(c) ? 'pending' : String(ok)}
          >
            <img src={m?.face_crop_url ?? m?.media_url ?? p.url} alt={`Photo ${i + 1}`} />
            <span class="photo-verdict">{building(c) ? 'Checking…' : ok ? '✓ Accepted' : `✗ ${issue?.message ?? 'Not used'}`}</span>
            {issue && <span class="muted small mono">{issue.code}</span>}
          </li>
        );
      })}
    </ul>
  );
}

export function CharactersPage() {
  const [name, setName] = useState('');
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [created, setCreated] = useState<{ c: Character; photos: Photo[] } | null>(null);
  const [list, setList] = useState<Character[] | null>(null);
  const { busy, error, setError, run } = useAction();
  const { refresh } = useAccount();

  const load = () =>
    api.characters(1, 100).then(
      (r) => setList(r.items),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(), []);

  // A build takes seconds; its checks arrive with the finished character.
  useEffect(() => {
    if (!created || !building(created.c)) return;
    const t = setTimeout(() => {
      api.character(created.c.id).then(
        (c) => {
          setCreated((prev) => (prev && prev.c.id === c.id ? { ...prev, c } : prev));
          if (!building(c)) {
            void load();
            void refresh();
          }
        },
        (e: Error) => setError(e.message),
      );
    }, 700);
    return () => clearTimeout(t);
  }, [created]);

  const request = characterRequest(
    name || 'My character',
    photos.map((p) => p.url),
  );

  const create = async (e: Event) => {
    e.preventDefault();
    if (!photos.length) {
      setError('Add at least one photo.');
      return;
    }
    await run(async () => {
      const c = await api.submit(
        characterRequest(
          name,
          photos.map((p) => p.url),
        ),
      );
      setCreated({ c: c as unknown as Character, photos });
      setPhotos([]);
      setName('');
      void refresh();
    });
  };

  const remove = async (c: Character) => {
    if (!confirm(`Delete ${c.name}? Its photos and identity data are deleted too.`)) return;
    try {
      await api.deleteCharacter(c.id);
      if (created?.c.id === c.id) setCreated(null);
      void load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div class="workspace">
      <form class="controls card" onSubmit={(e) => void create(e)} aria-labelledby="chars-title">
        <h1 id="chars-title" tabIndex={-1}>
          Characters <span class="muted h-sub">Soul ID</span>
        </h1>
        <p class="muted small">
          One or more clear photos of one person: face visible, eyes open, even light. Each photo is checked and the reasons are shown on
          it.
        </p>
        <label for="char-name">Name</label>
        <input id="char-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="Ada" />
        <DropZone
          label="Choose photos"
          multiple
          onUploaded={(urls, files) =>
            setPhotos((p) => [...p, ...urls.map((u, i) => ({ url: u, preview: URL.createObjectURL(files[i]) }))])
          }
          hint="JPEG, PNG or WebP"
        />
        {photos.length > 0 && (
          <ul class="photo-checks" aria-label="Photos to send">
            {photos.map((p, i) => (
              <li key={p.url} class="photo">
                <img src={p.preview} alt={`Photo ${i + 1}`} />
                <button type="button" class="ghost small" onClick={() => setPhotos((ps) => ps.filter((x) => x !== p))}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <SubmitBar
          price={<Price request={photos.length ? request : characterRequest('x', [`${location.origin}/favicon.svg`])} />}
          label="Create character"
          busy={busy}
          error={error}
        />
        {created && (
          <section class="created" aria-live="polite" data-testid="created-character" data-status={created.c.status}>
            <h2>
              {created.c.name} <StatusBadge status={created.c.status} />
            </h2>
            <PhotoChecks c={created.c} photos={created.photos} />
          </section>
        )}
      </form>
      <div class="results">
        <section aria-labelledby="clist-title">
          <h2 id="clist-title">Your characters</h2>
          {list && list.length === 0 && <p class="empty muted">No characters yet.</p>}
          <ul class="characters">
            {list?.map((c) => (
              <li key={c.id} class="card character" data-testid="character">
                {c.thumbnail_url ? <img src={c.thumbnail_url} alt="" class="avatar" /> : <span class="avatar empty" aria-hidden="true" />}
                <div class="character-body">
                  <strong>{c.name}</strong> <StatusBadge status={c.status} />
                  <span class="muted small">{when(c.created_at)}</span>
                  {c.quality_report.length > 0 && <span class="muted small">{c.quality_report.length} photo(s) refused</span>}
                </div>
                <div class="character-actions">
                  {c.status === 'completed' && (
                    <button type="button" class="ghost small" onClick={() => go('image', { soul: { characterId: c.id } })}>
                      Use in an image
                    </button>
                  )}
                  <button type="button" class="ghost small danger" onClick={() => void remove(c)} aria-label={`Delete ${c.name}`}>
                    Delete
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </section>
        <CodeSamples request={request} />
      </div>
    </div>
  );
}
