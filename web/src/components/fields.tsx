import type { ComponentChildren } from 'preact';

/** A native radio group styled as segmented buttons: arrow keys and screen readers work as usual. */
export function Segmented<T extends string | number>({
  name,
  legend,
  value,
  options,
  onChange,
}: {
  name: string;
  legend: string;
  value: T;
  options: { value: T; label: ComponentChildren; hint?: ComponentChildren }[];
  onChange: (v: T) => void;
}) {
  return (
    <fieldset class="segmented">
      <legend>{legend}</legend>
      <div class="segments">
        {options.map((o) => (
          <label key={String(o.value)} class={o.value === value ? 'segment checked' : 'segment'}>
            <input type="radio" name={name} value={String(o.value)} checked={o.value === value} onChange={() => onChange(o.value)} />
            <span>{o.label}</span>
            {o.hint !== undefined && <span class="hint">{o.hint}</span>}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function Slider({
  id,
  label,
  value,
  onChange,
  disabled,
}: {
  id: string;
  label: string;
  value: number;
  onChange: (v: number) => void;
  disabled?: boolean;
}) {
  return (
    <div class="slider">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="range"
        min={0}
        max={1}
        step={0.05}
        value={value}
        disabled={disabled}
        onInput={(e) => onChange(Number(e.currentTarget.value))}
      />
      <output for={id} class="num">
        {value.toFixed(2)}
      </output>
    </div>
  );
}

export function SeedField({ seed, onChange }: { seed: number | null; onChange: (s: number | null) => void }) {
  return (
    <fieldset class="seed">
      <legend>Seed</legend>
      <label class="check">
        <input
          type="checkbox"
          checked={seed === null}
          onChange={(e) => onChange(e.currentTarget.checked ? null : Math.floor(Math.random() * 1_000_000) + 1)}
        />
        Random
      </label>
      <input
        type="number"
        aria-label="Seed value"
        min={1}
        max={1000000}
        step={1}
        disabled={seed === null}
        value={seed ?? ''}
        placeholder="random"
        onInput={(e) => onChange(e.currentTarget.value === '' ? null : Math.trunc(Number(e.currentTarget.value)))}
      />
    </fieldset>
  );
}
