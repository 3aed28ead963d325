import { useEffect, useState } from 'preact/hooks';
import type { DopForm, SoulForm, WorkflowForm } from './requests';

/** Pages live in the hash (`#/image`), so any path the server does not know stays the API's. */
export const PAGES = [
  { id: 'image', label: 'Image' },
  { id: 'video', label: 'Video' },
  { id: 'workflows', label: 'Workflows' },
  { id: 'characters', label: 'Characters' },
  { id: 'history', label: 'History' },
  { id: 'account', label: 'Account' },
] as const;
export type PageId = (typeof PAGES)[number]['id'];

export function currentPage(): PageId {
  const id = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (PAGES.find((p) => p.id === id)?.id ?? 'image') as PageId;
}

/** Hand-offs between pages: "run again", "animate", "use in an image". */
export interface Handoff {
  soul?: Partial<SoulForm>;
  dop?: Partial<DopForm>;
  workflow?: Partial<WorkflowForm>;
}
let pending: Handoff | null = null;

export function go(page: PageId, handoff?: Handoff) {
  pending = handoff ?? null;
  if (currentPage() === page && location.hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = `#/${page}`;
}

export function takeHandoff(): Handoff | null {
  const h = pending;
  pending = null;
  return h;
}

export function usePage(): [PageId, number] {
  const [state, setState] = useState<[PageId, number]>([currentPage(), 0]);
  useEffect(() => {
    const on = () => setState(([, n]) => [currentPage(), n + 1]);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return state;
}
