import { useRef, useState } from 'preact/hooks';
import { api } from '../api';

/**
 * Drag-and-drop or pick files; each goes through the upload-URL flow and comes back as the
 * URL a request can name. Keyboard users reach the same picker through the button.
 */
export function DropZone({
  label,
  multiple = false,
  onUploaded,
  hint,
}: {
  label: string;
  multiple?: boolean;
  hint?: string;
  onUploaded: (urls: string[], files: File[]) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<string | null>(null);

  const take = async (list: FileList | null) => {
    const files = [...(list ?? [])].filter((f) => f.type.startsWith('image/'));
    if (!files.length) {
      if (list?.length) setError('Drop JPEG, PNG or WebP images.');
      return;
    }
    setError(null);
    setBusy(files.length);
    try {
      const urls = await Promise.all(files.map((f) => api.upload(f)));
      onUploaded(urls, files);
    } catch (e) {
      setError(`Upload failed: ${(e as Error).message}`);
    } finally {
      setBusy(0);
    }
  };

  return (
    <div
      class={`drop ${over ? 'over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void take(e.dataTransfer?.files ?? null);
      }}
    >
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/webp"
        multiple={multiple}
        class="visually-hidden"
        aria-label={label}
        tabIndex={-1}
        onChange={(e) => {
          const el = e.currentTarget;
          void take(el.files).then(() => (el.value = ''));
        }}
      />
      <span class="drop-icon" aria-hidden="true">
        ⇪
      </span>
      <span>{busy ? `Uploading ${busy} image${busy > 1 ? 's' : ''}…` : multiple ? 'Drop images here or' : 'Drop an image here or'}</span>
      {!busy && (
        <button type="button" class="link" onClick={() => input.current?.click()}>
          {label.toLowerCase().startsWith('choose') ? label : `choose ${multiple ? 'files' : 'a file'}`}
        </button>
      )}
      {hint && <span class="muted small">{hint}</span>}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
