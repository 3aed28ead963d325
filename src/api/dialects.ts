import type { Dialect } from './dialect.js';
import { pixazoDialect } from './surfaces/pixazo.js';
import { segmindDialect } from './surfaces/segmind.js';
import { waveSpeedDialect } from './surfaces/wavespeed.js';

/**
 * The reseller dialects `opensoul serve` mounts and `opensoul worker` renders webhooks for
 * (Higgsfield is on every app). A new dialect is one module and one line here.
 */
export function resellerDialects(opts: { syncWaitMs?: number } = {}): Dialect[] {
  return [waveSpeedDialect(opts), segmindDialect(opts), pixazoDialect()];
}
