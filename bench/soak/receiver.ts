// The soak's webhook receiver: records every delivery attempt under the path token of its set
// (/hook/<token>) with its webhook-id, and answers 503 while it is told to fail.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  token: string;
  webhookId: string;
  status: number;
  at: number;
}

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  failing = false;
  private server: http.Server | null = null;
  private port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const token = /^\/hook\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
        const status = this.failing ? 503 : 200;
        this.deliveries.push({ token, webhookId: String(req.headers['webhook-id'] ?? ''), status, at: Date.now() });
        res.statusCode = status;
        res.end(status === 200 ? 'ok' : 'unavailable');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(token: string): string {
    return `http://127.0.0.1:${this.port}/hook/${token}`;
  }

  /** Accepted deliveries by token: the distinct webhook-ids each set's webhook came with. */
  accepted(): Map<string, Set<string>> {
    const m = new Map<string, Set<string>>();
    for (const d of this.deliveries) if (d.status === 200) (m.get(d.token) ?? m.set(d.token, new Set()).get(d.token)!).add(d.webhookId);
    return m;
  }

  async close() {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r) ?? r(null));
  }
}
