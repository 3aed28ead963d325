/** A small Prometheus text-format registry: counters and histograms with labels. */
type Labels = Record<string, string>;

// Label sets are small and built in a fixed order at each call site: join the values.
const key = (l: Labels) =>
  Object.keys(l)
    .map((k) => `${k}=${l[k]}`)
    .join('\u0000');
const fmt = (l: Labels) => {
  const e = Object.entries(l);
  return e.length ? `{${e.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}` : '';
};

class Counter {
  private readonly values = new Map<string, { labels: Labels; v: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1) {
    const k = key(labels);
    const cur = this.values.get(k) ?? { labels, v: 0 };
    cur.v += by;
    this.values.set(k, cur);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, v } of this.values.values()) lines.push(`${this.name}${fmt(labels)} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; n: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, value: number) {
    const k = key(labels);
    const s = this.series.get(k) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, n: 0 };
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.n++;
    this.series.set(k, s);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${fmt({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${fmt({ ...s.labels, le: '+Inf' })} ${s.n}`);
      lines.push(`${this.name}_sum${fmt(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${fmt(s.labels)} ${s.n}`);
    }
    return lines.join('\n');
  }
}

export class Metrics {
  readonly httpRequests = new Counter('opensoul_http_requests_total', 'HTTP requests by route, method and status code');
  readonly httpDuration = new Histogram(
    'opensoul_http_request_duration_seconds',
    'HTTP request latency',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  readonly jobDuration = new Histogram(
    'opensoul_job_duration_seconds',
    'Job run time by kind and final status',
    [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
  );
  readonly jobsFinished = new Counter('opensoul_jobs_finished_total', 'Jobs ended by kind and status');
  readonly webhookDeliveries = new Counter('opensoul_webhook_deliveries_total', 'Webhook delivery attempts by outcome');
  /** Job-set event streams (SSE) open in this process now. */
  eventStreams = 0;

  render(gauges: { name: string; help: string; samples: { labels: Labels; value: number }[] }[]): string {
    const parts = [this.httpRequests, this.httpDuration, this.jobDuration, this.jobsFinished, this.webhookDeliveries].map((m) =>
      m.render(),
    );
    for (const g of gauges) {
      parts.push(
        [`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, ...g.samples.map((s) => `${g.name}${fmt(s.labels)} ${s.value}`)].join(
          '\n',
        ),
      );
    }
    return parts.join('\n') + '\n';
  }
}
