import { randomUUID } from 'node:crypto';
import type { SoulParams } from '../domain/soul.js';
import { type SoulJobInput, seedForImage, soulInputParams } from '../domain/soul.js';
import { outputSize, parseSize } from '../domain/sizes.js';
import type { PriceTable } from '../domain/pricing.js';
import { PriceTable as Prices } from '../domain/pricing.js';
import type { WebhookTarget } from '../store/repos/jobs.js';
import type { GenerationService, SubmitPlan } from './generation.js';

export interface SoulSubmitMeta {
  model: string;
  dialect: string;
  webhook: WebhookTarget | null;
  /** Reseller dialects price a request from their own table; default is Soul per image. */
  totalPriceMilli?: number;
  visibleForS?: number | null;
  priority?: number;
  /** Render the listed size whatever the quality (WaveSpeed: a named `size` is the size delivered). */
  exactSize?: boolean;
}

function jobInput(p: SoulParams, width: number, height: number, seed: number): SoulJobInput {
  const { size: _size, quality: _quality, batchSize: _batch, ...rest } = p;
  return { ...rest, width, height, seed };
}

/** Checks a character before anything is charged (existence, ownership, build completed); never which models are installed. */
export type CharacterGate = (accountId: string, characterId: string) => Promise<void>;

/** Runs the gate when a request names a character; naming one without character support is a server error. */
export async function checkCharacter(gate: CharacterGate | null, accountId: string, characterId: string | null | undefined): Promise<void> {
  if (!characterId) return;
  if (!gate) throw new Error('character support is not configured');
  await gate(accountId, characterId);
}

/** Soul text-to-image / image-to-image: one job per image of the batch, priced per job. */
export class SoulService {
  private characterGate: CharacterGate | null = null;

  constructor(
    private readonly generation: GenerationService,
    private readonly prices: PriceTable,
  ) {}

  setCharacterGate(gate: CharacterGate) {
    this.characterGate = gate;
  }

  /**
   * The set a request becomes, priced: what submit charges and what a quote answers, from this
   * one function. Nothing is stored.
   */
  plan(p: SoulParams, meta: SoulSubmitMeta): SubmitPlan {
    const { width, height } = meta.exactSize ? parseSize(p.size) : outputSize(p.size, p.quality);
    const total = meta.totalPriceMilli ?? this.prices.milli(p.quality === '720p' ? 'soul.720p' : 'soul.1080p') * p.batchSize;
    const costs = Prices.split(total, p.batchSize);
    const imageReference = p.imageReferenceUrl ? { type: 'image_url', image_url: p.imageReferenceUrl } : null;
    return {
      id: randomUUID(),
      type: 'text2image_soul',
      kind: 'soul',
      model: meta.model,
      dialect: meta.dialect,
      inputParams: soulInputParams(p, imageReference),
      webhook: meta.webhook,
      visibleForS: meta.visibleForS ?? null,
      jobs: costs.map((costMilli, index) => ({
        id: randomUUID(),
        priority: meta.priority ?? 0,
        costMilli,
        input: jobInput(p, width, height, seedForImage(p.seed, index)),
      })),
    };
  }

  async submit(accountId: string, p: SoulParams, meta: SoulSubmitMeta) {
    await checkCharacter(this.characterGate, accountId, p.customReferenceId);
    return this.generation.submit(accountId, this.plan(p, meta));
  }
}
