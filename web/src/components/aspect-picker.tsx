import { SOUL_SIZES, ratioLabel, type SoulSize } from '../requests';

/** The 13 Soul sizes as shapes; a radio group underneath. */
export function AspectPicker({ value, onChange }: { value: SoulSize; onChange: (s: SoulSize) => void }) {
  return (
    <fieldset class="aspects">
      <legend>Aspect and size</legend>
      <div class="aspect-grid">
        {SOUL_SIZES.map((s) => {
          const [w, h] = s.split('x').map(Number);
          const k = 26 / Math.max(w, h);
          return (
            <label key={s} class={s === value ? 'aspect checked' : 'aspect'} title={s.replace('x', ' × ')}>
              <input
                type="radio"
                name="size"
                value={s}
                checked={s === value}
                onChange={() => onChange(s)}
                aria-label={`${ratioLabel(s)}, ${s.replace('x', ' by ')}`}
              />
              <span class="shape" aria-hidden="true">
                <span style={{ width: `${Math.round(w * k)}px`, height: `${Math.round(h * k)}px` }} />
              </span>
              <span class="ratio">{ratioLabel(s)}</span>
              <span class="dims">{s.replace('x', '×')}</span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
