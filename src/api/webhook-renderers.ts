import type { AppContext } from '../context.js';
import { renderV1JobSet, renderV2Status } from './surfaces/higgsfield-render.js';
import { renderPixazoJobSet } from './surfaces/pixazo.js';
import { renderPrediction } from './surfaces/wavespeed.js';

/**
 * The body each dialect's webhook carries, rendered when a set finishes. Registered by every
 * process that can finish a set, `opensoul worker` included (it builds no HTTP app): a process
 * without a dialect's renderer would write no outbox row for it.
 */
export function registerWebhookRenderers(ctx: AppContext) {
  ctx.webhooks.register('higgsfield-v1', (set) => ({ body: renderV1JobSet(set, ctx.media) }));
  ctx.webhooks.register('higgsfield-v2', (set) => ({ body: renderV2Status(set, ctx.media, ctx.baseUrl()) }));
  ctx.webhooks.register('wavespeed', (set) => ({ body: renderPrediction(set, ctx, { input: true }), signing: 'wavespeed' }));
  // Pixazo callbacks carry the Higgsfield job set, with webhook_secret as X-Webhook-Secret-Key.
  ctx.webhooks.register('pixazo', (set) => ({ body: renderPixazoJobSet(set, ctx) }));
}
