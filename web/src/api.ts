/**
 * The studio's one client for the public API: the same endpoints and auth headers any client
 * uses. The key lives in sessionStorage only (gone when the tab closes), never in a URL or log.
 */

const KEY_STORAGE = 'opensoul.key';

export type JobStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'nsfw' | 'canceled';
export const ACTIVE: readonly JobStatus[] = ['queued', 'in_progress'];

export interface Media {
  type: string;
  url: string;
}
export interface Job {
  id: string;
  status: JobStatus;
  results: { min: Media; raw: Media } | null;
  error?: string;
  progress?: { step: number; total: number };
  poster_url?: string;
  identity_score?: number;
}
export interface JobSet {
  id: string;
  type: string;
  created_at: string;
  jobs: Job[];
  input_params: Record<string, unknown>;
}
/** A job set as the list endpoint returns it: the v1 body plus what the studio shows. */
export interface ListedJobSet extends JobSet {
  status: string;
  kind: string;
  model: string;
  dialect: string;
  cost_credits: number;
  refunded_credits: number;
  error: string | null;
}
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
export interface Quote {
  credits: number;
  usd: number;
  currency: string;
  amount: number;
  jobs: number;
}
export interface Style {
  id: string;
  name: string;
  description: string;
  preview_url: string;
}
export interface Motion {
  id: string;
  name: string;
  description: string;
  preview_url: string;
  start_end_frame: boolean;
}
export interface QualityIssue {
  index: number;
  code: string;
  message: string;
}
export interface Character {
  id: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  thumbnail_url: string | null;
  created_at: string;
  quality_report: QualityIssue[];
  reference_media?: { id: string; media_url: string; accepted: boolean; face_crop_url: string | null }[];
}
export interface Account {
  id: string;
  name: string;
  key_id: string;
  credits: number;
  in_flight_requests: number;
  limits: { max_concurrent_requests: number; requests_per_minute: number; upload_max_bytes: number; upload_max_pixels: number };
}
export interface LedgerEntry {
  at: string;
  reason: 'grant' | 'charge' | 'refund' | 'adjust';
  credits: number;
  balance_after: number;
  job_set_id: string | null;
  job_id: string | null;
  note: string | null;
}

/** The creator workflows' v2 status (GET /requests/{id}/status): the plan with each part's outputs. */
export interface CarouselSlide {
  index: number;
  image_prompt: string;
  overlay_text: string;
  status?: string;
  image_url: string | null;
  overlay_image_url: string | null;
}
export interface SeriesScene {
  index: number;
  beat: string;
  image_prompt: string;
  camera: string;
  motions: { id: string; name: string; strength: number }[];
  caption: string;
  status: string | null;
  video_url: string | null;
  keyframe_url: string | null;
  error?: string;
}
interface Planned {
  planner: 'llm' | 'template';
  language: string;
  fallback_reason?: string;
}
export interface V2Status {
  status: string;
  request_id: string;
  error?: string;
  carousel?: Planned & { slides: CarouselSlide[]; caption: string; hashtags: string[] };
  series?: Planned & {
    template: string;
    title: string;
    scenes: SeriesScene[];
    clip_duration: number;
    target_duration: number;
    planned_duration: number;
    concatenated: { status: string; video_url: string | null; duration_s?: number; error?: string } | null;
  };
}

/** A submit as the studio sends it; code samples render this same object. */
export interface StudioRequest {
  path: string;
  body: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---- the key ----

export interface Credential {
  keyId: string;
  secret: string;
}

export function parseCredential(text: string): Credential | null {
  const t = text.trim();
  const i = t.indexOf(':');
  if (i <= 0 || i === t.length - 1) return null;
  return { keyId: t.slice(0, i), secret: t.slice(i + 1) };
}

export function storedCredential(): Credential | null {
  const v = sessionStorage.getItem(KEY_STORAGE);
  return v ? parseCredential(v) : null;
}

export function storeCredential(c: Credential | null) {
  if (c) sessionStorage.setItem(KEY_STORAGE, `${c.keyId}:${c.secret}`);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/**
 * A `#key=KEY_ID:SECRET` fragment (the start banner's one-click link; fragments never reach the
 * server) moves into sessionStorage and leaves the address bar at once.
 */
export function takeKeyFromFragment(): boolean {
  const m = /(?:^#|[#&])key=([^&]+)/.exec(location.hash);
  if (!m) return false;
  history.replaceState(null, '', location.pathname + location.search);
  const c = parseCredential(decodeURIComponent(m[1]));
  if (c) storeCredential(c);
  return Boolean(c);
}

// ---- requests ----

function authHeaders(c = storedCredential()): Record<string, string> {
  if (!c) throw new ApiError(401, 'Not signed in');
  return { 'hf-api-key': c.keyId, 'hf-secret': c.secret };
}

/** Every dialect's error shape, read into one sentence. */
function errorText(status: number, body: unknown): string {
  const b = body as { detail?: unknown; message?: string; error?: string } | null;
  if (Array.isArray(b?.detail)) {
    return (b.detail as { loc?: (string | number)[]; msg?: string }[])
      .map((i) => `${(i.loc ?? []).filter((x) => x !== 'body' && x !== 'params').join('.') || 'request'}: ${i.msg}`)
      .join('; ');
  }
  if (typeof b?.detail === 'string') return b.detail;
  return b?.message ?? b?.error ?? `HTTP ${status}`;
}

async function call<T>(method: string, path: string, body?: unknown, cred?: Credential): Promise<T> {
  const headers: Record<string, string> = authHeaders(cred);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const parsed = text ? (JSON.parse(text) as unknown) : null;
  if (!r.ok) throw new ApiError(r.status, errorText(r.status, parsed));
  return parsed as T;
}

const qs = (q: Record<string, string | number | null | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== null && v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};

export const api = {
  account: (cred?: Credential) => call<Account>('GET', '/v1/account', undefined, cred),
  ledger: (limit = 50) => call<{ items: LedgerEntry[] }>('GET', `/v1/account/ledger${qs({ limit })}`),
  /** v1 routes answer the job set; v2-style routes (the creator workflows) answer a request id, read back as one. */
  async submit(req: StudioRequest): Promise<JobSet> {
    const r = await call<JobSet | { request_id: string }>('POST', req.path, req.body);
    return 'request_id' in r ? call<JobSet>('GET', `/v1/job-sets/${encodeURIComponent(r.request_id)}`) : r;
  },
  requestStatus: (id: string) => call<V2Status>('GET', `/requests/${encodeURIComponent(id)}/status`),
  quote: (req: StudioRequest) => call<Quote>('POST', '/v1/quote', { path: req.path, body: req.body }),
  jobSet: (id: string) => call<JobSet>('GET', `/v1/job-sets/${encodeURIComponent(id)}`),
  cancel: (id: string) => call<JobSet>('POST', `/v1/job-sets/${encodeURIComponent(id)}/cancel`),
  jobSets: (q: { limit?: number; cursor?: string | null; kind?: string; status?: string }) =>
    call<Page<ListedJobSet>>('GET', `/v1/job-sets${qs(q)}`),
  styles: () => call<Style[]>('GET', '/v1/text2image/soul-styles'),
  motions: () => call<Motion[]>('GET', '/v1/motions'),
  characters: (page = 1, pageSize = 50) =>
    call<{ total: number; items: Character[] }>('GET', `/v1/custom-references/list${qs({ page, page_size: pageSize })}`),
  character: (id: string) => call<Character>('GET', `/v1/custom-references/${encodeURIComponent(id)}`),
  deleteCharacter: (id: string) => call<{ deleted: boolean }>('DELETE', `/v1/custom-references/${encodeURIComponent(id)}`),

  /** The upload-URL flow: a signed slot, then a PUT of the bytes (the URL is the credential). */
  async upload(file: Blob): Promise<string> {
    const type = ['image/jpeg', 'image/png', 'image/webp'].includes(file.type) ? file.type : 'image/png';
    const slot = await call<{ upload_url: string; public_url: string }>('POST', '/files/generate-upload-url', { content_type: type });
    const r = await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': type }, body: file });
    if (!r.ok) throw new ApiError(r.status, errorText(r.status, await r.json().catch(() => null)));
    return slot.public_url;
  },
};

// ---- live events ----

export interface JobSetEvents {
  status?(set: JobSet): void;
  progress?(p: { job_id: string; step: number; total: number }): void;
  done?(set: JobSet): void;
  error?(e: Error): void;
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Splits a text/event-stream into events (WHATWG rules that matter here: `event`, `data`
 * (joined by newlines), `id`, comment lines). EventSource cannot send our auth headers, so the
 * stream is read with fetch().
 */
export function sseParser(onEvent: (e: SseEvent) => void) {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  const line = (l: string) => {
    if (l === '') {
      if (data.length) onEvent({ event: event || 'message', data: data.join('\n'), id });
      event = '';
      data = [];
      return;
    }
    if (l.startsWith(':')) return;
    const i = l.indexOf(':');
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? '' : l.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };
  return (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const l of lines) line(l);
  };
}

/**
 * Follows a job set live until it ends. A dropped connection is resumed with Last-Event-ID;
 * returns a function that stops listening.
 */
/**
 * Browsers open at most six HTTP/1.1 connections per origin: streams beyond four wait for a
 * free slot, so API calls and images always have connections left.
 */
const MAX_STREAMS = 4;
let openStreams = 0;
const waiting: (() => void)[] = [];
async function streamSlot(signal: AbortSignal): Promise<() => void> {
  while (openStreams >= MAX_STREAMS && !signal.aborted) await new Promise<void>((r) => waiting.push(r));
  openStreams++;
  return () => {
    openStreams--;
    waiting.shift()?.();
  };
}

export function followJobSet(id: string, on: JobSetEvents): () => void {
  const abort = new AbortController();
  abort.signal.addEventListener('abort', () => waiting.splice(0).forEach((w) => w()));
  let lastId: string | null = null;
  let ended = false;
  const run = async () => {
    const release = await streamSlot(abort.signal);
    try {
      await follow();
    } finally {
      release();
    }
  };
  const follow = async () => {
    for (let attempt = 0; !ended && !abort.signal.aborted; attempt++) {
      try {
        const headers: Record<string, string> = { ...authHeaders(), accept: 'text/event-stream' };
        if (lastId) headers['last-event-id'] = lastId;
        const r = await fetch(`/v1/job-sets/${encodeURIComponent(id)}/events`, { headers, signal: abort.signal });
        if (!r.ok || !r.body) throw new ApiError(r.status, errorText(r.status, await r.json().catch(() => null)));
        const feed = sseParser((e) => {
          if (e.id) lastId = e.id;
          attempt = 0;
          const body = JSON.parse(e.data);
          if (e.event === 'status') on.status?.(body as JobSet);
          else if (e.event === 'progress') on.progress?.(body);
          else if (e.event === 'done') {
            ended = true;
            on.done?.(body as JobSet);
          }
        });
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed(value);
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
          on.error?.(e);
          return;
        }
        if (attempt >= 5) {
          on.error?.(e as Error);
          return;
        }
      }
      // The server closes at the end state; anything else was a drop: back off, then resume.
      if (!ended && !abort.signal.aborted) await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** attempt)));
    }
  };
  void run();
  return () => abort.abort();
}

export const isActive = (set: Pick<JobSet, 'jobs'>) => set.jobs.some((j) => ACTIVE.includes(j.status));
