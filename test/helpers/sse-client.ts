/** A Server-Sent Events reader over fetch (as the studio reads streams: headers carry the key). */
export interface SseEvent {
  id: string | null;
  event: string;
  data: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  /** Resolves when the server ends the stream (or the reader is aborted). */
  ended: Promise<void>;
  isEnded(): boolean;
  abort(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let isEnded = false;
  const ended = (async () => {
    if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { id: null, event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              ev.data = JSON.parse(line.slice(6));
              hasData = true;
            }
          }
          if (hasData) events.push(ev);
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) throw e;
    } finally {
      isEnded = true;
    }
  })();
  return { status: res.status, headers: res.headers, events, comments, ended, isEnded: () => isEnded, abort: () => ac.abort() };
}
