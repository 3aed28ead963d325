import type { ComponentChildren } from 'preact';

/** The bottom of every form: its price, the submit button (busy while sending) and the last error. */
export function SubmitBar({ price, label, busy, error }: { price: ComponentChildren; label: string; busy: boolean; error: string | null }) {
  return (
    <>
      <div class="generate-bar">
        {price}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Submitting…' : label}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
