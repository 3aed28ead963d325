import type { AppContext } from '../context.js';
import type { Dialect } from './dialect.js';
import { higgsfieldDialect } from './surfaces/higgsfield.js';

/**
 * Installs the webhook body renderers of Higgsfield and `dialects` on the context. Every process
 * that can finish a set does this, `opensoul worker` included (it builds no HTTP app): a process
 * without a dialect's renderer would write no outbox row for it.
 */
export function installWebhookRenderers(ctx: AppContext, dialects: Dialect[]) {
  for (const d of [higgsfieldDialect, ...dialects]) {
    for (const [webhookDialect, render] of Object.entries(d.webhooks?.(ctx) ?? {})) ctx.webhooks.register(webhookDialect, render);
  }
}
