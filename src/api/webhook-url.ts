import type { AppContext } from '../context.js';
import { DomainError } from '../domain/errors.js';
import { checkUserUrl } from '../net/safe-fetch.js';

/**
 * Webhook URLs are user-supplied targets: refuse internal ones at submit, in every dialect,
 * rather than accept a callback the outbox could only retry and drop. Delivery checks again.
 */
export async function checkWebhookUrl(ctx: AppContext, url: string, field: string): Promise<string> {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('only http(s) URLs are accepted');
    await checkUserUrl(url, { allowPrivate: ctx.config.allowPrivateUrls, allowedHosts: ctx.config.allowedFetchHosts });
  } catch (e) {
    throw new DomainError('bad_input', `${field} is not an acceptable URL: ${(e as Error).message}`);
  }
  return url;
}
