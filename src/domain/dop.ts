import { type FieldIssue, ValidationError } from './errors.js';
import { FieldReader, type FieldSpec, IMAGE_REF_FIELDS } from './fields.js';
import { DEFAULT_TRANSITION_ID, MOTIONS, findMotion, type MotionChoice, pickMotionsFromPrompt } from './motions.js';
import { randomSeed, SOUL_FIELDS } from './soul.js';

export const DOP_TIERS = ['lite', 'turbo', 'standard'] as const;
export type DopTier = (typeof DOP_TIERS)[number];

/** One image-to-video request, whatever dialect it came in. */
export interface DopParams {
  tier: DopTier;
  prompt: string;
  imageUrl: string;
  endImageUrl: string | null;
  motions: MotionChoice[];
  /** True when the motions came from camera words in the prompt, not from the caller. */
  motionsFromPrompt: boolean;
  seed: number;
  enhancePrompt: boolean;
}

/** The SDK documents turbo as the priority queue; standard rides with it, lite waits. */
export const DOP_PRIORITY: Record<DopTier, number> = { lite: 0, turbo: 10, standard: 10 };

const MOTION_FIELDS = {
  id: { kind: 'string', required: true, description: 'A motion of GET /v1/motions', schema: { enum: MOTIONS.map((m) => m.id) } },
  strength: { kind: 'number', min: 0, max: 1, default: 1 },
} as const satisfies Record<string, FieldSpec>;

const DOP_COMMON_FIELDS = {
  motions: { kind: 'list', max: 8, items: { kind: 'object', fields: MOTION_FIELDS }, description: 'Camera motions; absent: picked from camera words in the prompt' },
  seed: SOUL_FIELDS.seed,
  enhance_prompt: SOUL_FIELDS.enhance_prompt,
} as const satisfies Record<string, FieldSpec>;

/** v1 `params` of /v1/image2video/dop, as readDopV1 enforces them. */
export const DOP_V1_FIELDS = {
  model: { kind: 'literal', values: ['dop-lite', 'dop-turbo', 'dop-standard'] as const, default: 'dop-lite' },
  prompt: { kind: 'string', required: true, max: 4000, example: 'slow push in on the face' },
  input_images: { kind: 'list', required: true, min: 1, max: 1, items: { kind: 'object', fields: IMAGE_REF_FIELDS } },
  input_images_end: { kind: 'list', max: 1, items: { kind: 'object', fields: IMAGE_REF_FIELDS }, description: 'End frame: needs a transition motion (start_end_frame) or no motion' },
  ...DOP_COMMON_FIELDS,
} as const satisfies Record<string, FieldSpec>;

const END_IMAGE_URL = { kind: 'url', required: true } as const satisfies FieldSpec;

/** v2 flat body of /higgsfield-ai/dop/{tier}[/first-last-frame]; end_image_url only on first-last-frame. */
export function dopV2Fields(firstLast: boolean) {
  return {
    prompt: DOP_V1_FIELDS.prompt,
    image_url: { kind: 'url', required: true },
    ...(firstLast ? { end_image_url: END_IMAGE_URL } : {}),
    ...DOP_COMMON_FIELDS,
    duration: { kind: 'number', min: 5, max: 5, description: 'Seconds; clips are 5 s' },
  } as const satisfies Record<string, FieldSpec>;
}

function readMotions(r: FieldReader, name: string): MotionChoice[] | undefined {
  const list = r.read(name, DOP_COMMON_FIELDS.motions);
  if (!list) return undefined;
  const out: MotionChoice[] = [];
  list.forEach((item, i) => {
    const m = FieldReader.object(item, [...locOf(r), name, i], r.issues);
    if (!m) return;
    const id = m.read('id', MOTION_FIELDS.id);
    const strength = m.read('strength', MOTION_FIELDS.strength);
    m.forbidExtra();
    r.issues.push(...m.issues);
    if (id === undefined) return;
    if (!findMotion(id)) {
      r.issues.push({ type: 'value_error', loc: [...locOf(r), name, i, 'id'], msg: `Value error, unknown motion id '${id}' (GET /v1/motions lists them)`, input: id });
      return;
    }
    out.push({ id: findMotion(id)!.id, strength: strength ?? MOTION_FIELDS.strength.default });
  });
  return out;
}
const locOf = (r: FieldReader) => r.location;

/** Shared meaning checks once the dialect's fields are read. */
export function finishDop(r: FieldReader, fields: { tier?: DopTier; prompt?: string; imageUrl?: string; endImageUrl?: string; motions?: MotionChoice[]; seed?: number; enhance?: boolean }, endField: string): DopParams {
  let motions = fields.motions ?? [];
  let fromPrompt = false;
  if (fields.endImageUrl) {
    if (motions.length && !motions.some((m) => findMotion(m.id)!.startEndFrame)) {
      r.issues.push({ type: 'value_error', loc: [...locOf(r), endField], msg: 'Value error, an end frame needs a motion with start_end_frame: true (a transition), or no motion at all', input: fields.endImageUrl });
    }
    if (!motions.length) motions = [{ id: DEFAULT_TRANSITION_ID, strength: 1 }];
  } else if (motions.some((m) => findMotion(m.id)!.startEndFrame)) {
    r.issues.push({ type: 'value_error', loc: [...locOf(r), 'motions'], msg: 'Value error, a transition motion needs an end frame (input_images_end)', input: motions });
  }
  r.forbidExtra();
  r.throwIfInvalid();
  if (!motions.length) {
    motions = pickMotionsFromPrompt(fields.prompt ?? '');
    fromPrompt = true;
  }
  return {
    tier: fields.tier ?? (DOP_V1_FIELDS.model.default.replace('dop-', '') as DopTier),
    prompt: fields.prompt ?? '',
    imageUrl: fields.imageUrl!,
    endImageUrl: fields.endImageUrl ?? null,
    motions,
    motionsFromPrompt: fromPrompt,
    seed: fields.seed ?? randomSeed(),
    enhancePrompt: fields.enhance ?? DOP_COMMON_FIELDS.enhance_prompt.default,
  };
}

/** v1 `params` of /v1/image2video/dop. */
export function readDopV1(body: unknown, loc: (string | number)[]): DopParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, loc, issues);
  if (!r) throw new ValidationError(issues);
  const F = DOP_V1_FIELDS;
  const model = r.read('model', F.model);
  const prompt = r.read('prompt', F.prompt);
  const images = r.read('input_images', F.input_images);
  const ends = r.read('input_images_end', F.input_images_end);
  const readRef = (list: unknown[] | undefined, name: string) => {
    if (!list?.length) return undefined;
    const item = FieldReader.object(list[0], [...loc, name, 0], r.issues);
    if (!item) return undefined;
    item.read('type', IMAGE_REF_FIELDS.type);
    const url = item.read('image_url', IMAGE_REF_FIELDS.image_url);
    item.forbidExtra();
    r.issues.push(...item.issues);
    return url;
  };
  const imageUrl = readRef(images, 'input_images');
  const endImageUrl = readRef(ends, 'input_images_end');
  const motions = readMotions(r, 'motions');
  const seed = r.read('seed', F.seed);
  const enhance = r.read('enhance_prompt', F.enhance_prompt);
  return finishDop(r, { tier: model?.replace('dop-', '') as DopTier | undefined, prompt, imageUrl, endImageUrl, motions, seed, enhance }, 'input_images_end');
}

/** v2 flat body of /higgsfield-ai/dop/{tier}[/first-last-frame]. */
export function readDopV2(body: unknown, tier: DopTier, firstLast: boolean): DopParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const F = dopV2Fields(true);
  const prompt = r.read('prompt', F.prompt);
  const imageUrl = r.read('image_url', F.image_url);
  const endImageUrl = firstLast ? r.read('end_image_url', END_IMAGE_URL) : undefined;
  const motions = readMotions(r, 'motions');
  const seed = r.read('seed', F.seed);
  const enhance = r.read('enhance_prompt', F.enhance_prompt);
  const duration = r.read('duration', F.duration);
  void duration;
  return finishDop(r, { tier, prompt, imageUrl, endImageUrl, motions, seed, enhance }, 'end_image_url');
}

export function dopInputParams(p: DopParams): Record<string, unknown> {
  return {
    model: `dop-${p.tier}`,
    prompt: p.prompt,
    seed: p.seed,
    motions: p.motions,
    input_images: [{ type: 'image_url', image_url: p.imageUrl }],
    input_images_end: p.endImageUrl ? [{ type: 'image_url', image_url: p.endImageUrl }] : null,
    enhance_prompt: p.enhancePrompt,
  };
}
