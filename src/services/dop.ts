import { randomUUID } from 'node:crypto';
import { DOP_PRIORITY, type DopParams, dopInputParams } from '../domain/dop.js';
import type { PriceTable } from '../domain/pricing.js';
import type { WebhookTarget } from '../store/repos/jobs.js';
import type { GenerationService } from './generation.js';

/** DoP image-to-video: one job per request, priced and prioritised by tier. */
export class DopService {
  constructor(
    private readonly generation: GenerationService,
    private readonly prices: PriceTable,
  ) {}

  submit(accountId: string, p: DopParams, meta: { model: string; dialect: string; webhook: WebhookTarget | null; totalPriceMilli?: number; visibleForS?: number | null; inputParams?: Record<string, unknown> }) {
    return this.generation.submit(accountId, {
      id: randomUUID(),
      type: 'image2video',
      kind: 'dop',
      model: meta.model,
      dialect: meta.dialect,
      inputParams: meta.inputParams ?? dopInputParams(p),
      webhook: meta.webhook,
      visibleForS: meta.visibleForS ?? null,
      jobs: [
        {
          id: randomUUID(),
          priority: DOP_PRIORITY[p.tier],
          costMilli: meta.totalPriceMilli ?? this.prices.milli(`dop.${p.tier}`),
          input: { ...p },
        },
      ],
    });
  }
}
