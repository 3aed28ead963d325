import { useState } from 'preact/hooks';

/** Copies a text to the clipboard and says so for a moment (or that the browser refused). */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      setSaid('Copy failed');
    }
    setTimeout(() => setSaid(null), 1500);
  };
  return (
    <button type="button" class="ghost small" onClick={() => void copy()} data-testid={testId}>
      {said ?? label}
    </button>
  );
}
