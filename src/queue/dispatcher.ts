import type { EventEmitter } from 'node:events';
import type { Config } from '../config.js';
import type { Claimer, Dispatcher } from './dispatch-types.js';

export type { ClaimMiss, Claimer, ClaimSource, Dispatcher, QueuedRef } from './dispatch-types.js';

/** Embedded mode unless OPENSOUL_REDIS_URL is set; BullMQ is loaded only when used. */
export async function createDispatcher(config: Config, wake: EventEmitter, log?: Claimer['log']): Promise<Dispatcher> {
  if (!config.redisUrl) {
    const { dbDispatcher } = await import('./db-dispatcher.js');
    return dbDispatcher(wake);
  }
  const { bullmqDispatcher } = await import('./bullmq-dispatcher.js');
  return bullmqDispatcher({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log });
}
