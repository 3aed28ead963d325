import { useEffect, useRef } from 'preact/hooks';

/** A modal <dialog>: focus moves in and back, Escape closes, the image can be downloaded. */
export function Lightbox({ src, onClose, name }: { src: string; name: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      class="lightbox"
      aria-label="Image preview"
      onClose={onClose}
      onClick={(e) => e.target === ref.current && ref.current?.close()}
    >
      <img src={src} alt="Full-size output" />
      <div class="lightbox-bar">
        <a class="button primary" href={src} download={name}>
          Download
        </a>
        <button type="button" class="ghost" onClick={() => ref.current?.close()} autofocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
