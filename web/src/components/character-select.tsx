import { useEffect, useState } from 'preact/hooks';
import { api, type Character } from '../api';

/** The account's finished characters (Soul ID) as a select; a chosen id not in the list still shows. */
export function CharacterSelect({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const [characters, setCharacters] = useState<Character[]>([]);
  useEffect(() => {
    api.characters().then(
      (r) => setCharacters(r.items.filter((c) => c.status === 'completed')),
      () => setCharacters([]),
    );
  }, []);
  return (
    <>
      <label for="character" class="visually-hidden">
        Character
      </label>
      <select id="character" value={value ?? ''} onChange={(e) => onChange(e.currentTarget.value || null)}>
        <option value="">None</option>
        {characters.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
        {value && !characters.some((c) => c.id === value) && <option value={value}>{value.slice(0, 8)}…</option>}
      </select>
    </>
  );
}
