import { randomUUID } from 'node:crypto';
import { DOP_PRIORITY, type DopParams, dopInputParams } from '../domain/dop.js';
import type { PriceTable } from '../domain/pricing.js';
import type { WebhookTarget } from '../store/repos/jobs.js';
import type { GenerationService, SubmitPlan } from './generation.js';

export interface DopSubmitMeta {
  model: string;
  dialect: string;
  webhook: WebhookTarget | null;
  totalPriceMilli?: number;
  visibleForS?: number | null;
  /** The echo, when the request came in another model's shape (Kling). */
  inputParams?: Record<string, unknown>;
}

/** DoP image-to-video: one job per request, priced and prioritised by tier. */
export class DopService {
  constructor(
    private readonly generation: GenerationService,
    private readonly prices: PriceTable,
  ) {}

  /** The priced set (what submit charges and a quote answers); nothing stored. */
  plan(p: DopParams, meta: DopSubmitMeta): SubmitPlan {
    return {
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
    };
  }

  submit(accountId: string, p: DopParams, meta: DopSubmitMeta) {
    return this.generation.submit(accountId, this.plan(p, meta));
  }
}
