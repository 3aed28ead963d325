import { type FieldIssue, ValidationError } from './errors.js';
import { FieldReader, type FieldSpec, IMAGE_REF_FIELDS, fieldSchema } from './fields.js';
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
  /** Clip length in seconds; DoP routes render 5 (absent), Kling-style requests 5 or 10. */
  durationS?: 5 | 10;
  /** How the motions were chosen when a reader decided it (Kling: prompt or fallback). */
  motionsOrigin?: 'prompt' | 'fallback';
  /** Set when the request named another vendor's model: what it asked for (echoed in extras). */
  requestedModel?: string;
}

/** The SDK documents turbo as the priority queue; standard rides with it, lite waits. */
export const DOP_PRIORITY: Record<DopTier, number> = { lite: 0, turbo: 10, standard: 10 };

const MOTION_FIELDS = {
  id: { kind: 'string', required: true, description: 'A motion of GET /v1/motions', schema: { enum: MOTIONS.map((m) => m.id) } },
  strength: { kind: 'number', min: 0, max: 1, default: 1 },
} as const satisfies Record<string, FieldSpec>;

/** Motions a request may name: the official v2 OpenAPI allows two (camera words in the prompt may give more). */
export const DOP_MAX_MOTIONS = 2;

const DOP_COMMON_FIELDS = {
  motions: {
    kind: 'list',
    max: DOP_MAX_MOTIONS,
    items: { kind: 'object', fields: MOTION_FIELDS },
    description: 'Up to 2 camera motions; absent: picked from camera words in the prompt',
  },
  seed: SOUL_FIELDS.seed,
  enhance_prompt: SOUL_FIELDS.enhance_prompt,
} as const satisfies Record<string, FieldSpec>;

/** v1 `params` of /v1/image2video/dop, as readDopV1 enforces them. */
export const DOP_V1_FIELDS = {
  model: { kind: 'literal', values: ['dop-lite', 'dop-turbo', 'dop-standard'] as const, default: 'dop-lite' },
  prompt: { kind: 'string', required: true, max: 4000, example: 'slow push in on the face' },
  input_images: { kind: 'list', required: true, min: 1, max: 1, items: { kind: 'object', fields: IMAGE_REF_FIELDS } },
  input_images_end: {
    kind: 'list',
    max: 1,
    items: { kind: 'object', fields: IMAGE_REF_FIELDS },
    description: 'End frame: needs a transition motion (start_end_frame) or no motion',
  },
  ...DOP_COMMON_FIELDS,
} as const satisfies Record<string, FieldSpec>;

/** v2 flat body of /higgsfield-ai/dop/{tier}[/first-last-frame]; the end frame is required on first-last-frame. */
export function dopV2Fields(firstLast: boolean) {
  const endUrl = (description: string) => ({ kind: 'url', description }) as const;
  return {
    prompt: DOP_V1_FIELDS.prompt,
    image_url: { kind: 'url', required: true },
    end_image_url: {
      kind: 'url',
      required: firstLast,
      description: 'End frame (renders a transition motion); also spelled last_frame_url, image_url_end, input_images_end',
    },
    last_frame_url: endUrl('Same as end_image_url'),
    image_url_end: endUrl('Same as end_image_url'),
    input_images_end: {
      kind: 'list',
      min: 1,
      max: 1,
      items: { kind: 'string', schema: { oneOf: [{ type: 'string', format: 'uri' }, fieldSchema({ kind: 'imageRef' })], type: undefined } },
      description: "Same as end_image_url: one URL, or v1's [{type, image_url}]",
    },
    ...DOP_COMMON_FIELDS,
    duration: { kind: 'number', int: true, min: 5, max: 5, description: 'Seconds; clips are 5 s' },
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
      r.issues.push({
        type: 'value_error',
        loc: [...locOf(r), name, i, 'id'],
        msg: `Value error, unknown motion id '${id}' (GET /v1/motions lists them)`,
        input: id,
      });
      return;
    }
    out.push({ id: findMotion(id)!.id, strength: strength ?? MOTION_FIELDS.strength.default });
  });
  return out;
}
const locOf = (r: FieldReader) => r.location;

/** Shared meaning checks once the dialect's fields are read. */
export function finishDop(
  r: FieldReader,
  fields: {
    tier?: DopTier;
    prompt?: string;
    imageUrl?: string;
    endImageUrl?: string;
    motions?: MotionChoice[];
    seed?: number;
    enhance?: boolean;
  },
  endField: string,
): DopParams {
  let motions = fields.motions ?? [];
  let fromPrompt = false;
  if (fields.endImageUrl) {
    if (motions.length && !motions.some((m) => findMotion(m.id)!.startEndFrame)) {
      r.issues.push({
        type: 'value_error',
        loc: [...locOf(r), endField],
        msg: 'Value error, an end frame needs a motion with start_end_frame: true (a transition), or no motion at all',
        input: fields.endImageUrl,
      });
    }
    if (!motions.length) motions = [{ id: DEFAULT_TRANSITION_ID, strength: 1 }];
  } else if (motions.some((m) => findMotion(m.id)!.startEndFrame)) {
    r.issues.push({
      type: 'value_error',
      loc: [...locOf(r), 'motions'],
      msg: 'Value error, a transition motion needs an end frame (input_images_end)',
      input: motions,
    });
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
  return finishDop(
    r,
    { tier: model?.replace('dop-', '') as DopTier | undefined, prompt, imageUrl, endImageUrl, motions, seed, enhance },
    'input_images_end',
  );
}

/** The end-frame spellings clients send on v2 bodies; `end_image_url` is the OpenAPI's own. */
const END_FRAME_ALIASES = ['end_image_url', 'last_frame_url', 'image_url_end', 'input_images_end'] as const;

/**
 * The end frame of a v2 body, under any of its spellings and on the base paths too (a
 * transition motion then renders it). `input_images_end` may be v1's `[{type, image_url}]` or a
 * list of one URL. Two spellings naming different images are refused.
 */
function readEndFrame(r: FieldReader, body: unknown, required: boolean): { url: string; field: string } | undefined {
  const found: { url: string; field: string }[] = [];
  for (const field of END_FRAME_ALIASES) {
    if (!r.has(field)) {
      r.ignore(field);
      continue;
    }
    let url: string | undefined;
    if (field === 'input_images_end') {
      const list = r.list(field, { min: 1, max: 1 });
      const item = list?.[0];
      if (typeof item === 'string') {
        const one = FieldReader.object({ 0: item }, [...r.location, field], r.issues);
        url = one?.url('0');
        r.issues.push(...(one?.issues ?? []));
      } else if (item !== undefined) {
        const o = FieldReader.object(item, [...r.location, field, 0], r.issues);
        if (o) {
          o.literal('type', ['image_url'] as const);
          url = o.url('image_url', { required: true });
          o.forbidExtra();
          r.issues.push(...o.issues);
        }
      }
    } else url = r.url(field);
    if (url) found.push({ url, field });
  }
  if (found.some((f) => f.url !== found[0].url))
    r.fail(found[1].field, `Value error, ${found[0].field} and ${found[1].field} name different end frames`, found[1].url);
  if (required && !END_FRAME_ALIASES.some((f) => r.has(f)))
    r.issues.push({ type: 'missing', loc: [...r.location, 'end_image_url'], msg: 'Field required', input: body });
  return found[0];
}

/** v2 flat body of /higgsfield-ai/dop/{tier}[/first-last-frame]. */
export function readDopV2(body: unknown, tier: DopTier, firstLast: boolean): DopParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const F = dopV2Fields(firstLast);
  const prompt = r.read('prompt', F.prompt);
  const imageUrl = r.read('image_url', F.image_url);
  const end = readEndFrame(r, body, firstLast);
  const motions = readMotions(r, 'motions');
  const seed = r.read('seed', F.seed);
  const enhance = r.read('enhance_prompt', F.enhance_prompt);
  // DoP clips are 5 s: the optional integer is checked, and only 5 is possible.
  r.read('duration', F.duration);
  return finishDop(r, { tier, prompt, imageUrl, endImageUrl: end?.url, motions, seed, enhance }, end?.field ?? 'end_image_url');
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
