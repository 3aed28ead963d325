import http from 'node:http';

/** Closed-loop HTTP load: `concurrency` keep-alive clients for `seconds`; returns requests/s. */
export async function load(opts: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: () => string;
  concurrency: number;
  seconds: number;
  expect?: number;
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const u = new URL(opts.url);
  const end = Date.now() + opts.seconds * 1000;
  let ok = 0;
  let bad = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const body = opts.body?.();
      const req = http.request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: opts.method ?? 'GET',
          headers: { ...opts.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === (opts.expect ?? 200)) ok++;
            else bad++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        bad++;
        resolve();
      });
      req.end(body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  agent.destroy();
  const elapsed = (Date.now() - started) / 1000;
  return { rps: ok / elapsed, ok, bad };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** The same load from a worker thread (its own event loop and core). */
export async function loadInThread(
  opts: Omit<Parameters<typeof load>[0], 'body'> & { bodyText?: string },
): Promise<{ rps: number; ok: number; bad: number }> {
  const { Worker } = await import('node:worker_threads');
  // Workers do not inherit tsx's loader: register it, then load the TypeScript worker module.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./load-worker.ts', import.meta.url).href)}); })`;
  const w = new Worker(boot, { eval: true, workerData: opts });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}
