/**
 * The brief every creator workflow (carousel, video series) starts from: the topic, optional
 * reference images and character, a seed and the language of the copy. One reader so the
 * workflows validate these fields alike.
 */
import type { FieldReader, FieldSpec } from './fields.js';
import { readImageUrlList } from './popcorn.js';
import { randomSeed, SOUL_FIELDS } from './soul.js';

const MAX_REFS = 8;
const BCP47 = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export const CREATOR_BRIEF_FIELDS = {
  topic: { kind: 'string', required: true, min: 1, max: 2000, example: 'five habits of calm mornings' },
  image_urls: { kind: 'list', max: MAX_REFS, items: { kind: 'url' } },
  custom_reference_id: SOUL_FIELDS.custom_reference_id,
  seed: SOUL_FIELDS.seed,
  language: {
    kind: 'string',
    min: 2,
    max: 35,
    default: 'en',
    description: "A BCP 47 tag such as 'en' or 'pt-BR'",
    schema: { pattern: '^\\s*[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\\s*$' },
  },
} as const satisfies Record<string, FieldSpec>;

export interface CreatorBrief {
  topic: string;
  imageUrls: string[];
  customReferenceId: string | null;
  seed: number;
  language: string;
}

/** Reads the brief's fields; issues are collected on the reader (the caller throws). */
export function readCreatorBrief(r: FieldReader): CreatorBrief {
  const F = CREATOR_BRIEF_FIELDS;
  const topic = r.read('topic', F.topic);
  const imageUrls = readImageUrlList(r, r.read('image_urls', F.image_urls));
  const customReferenceId = r.read('custom_reference_id', F.custom_reference_id);
  const seed = r.read('seed', F.seed);
  const language = r.read('language', F.language);
  if (language !== undefined && !BCP47.test(language.trim()))
    r.fail('language', "Value error, language should be a BCP 47 tag such as 'en' or 'pt-BR'", language);
  return {
    topic: topic?.trim() ?? '',
    imageUrls,
    customReferenceId: customReferenceId ?? null,
    seed: seed ?? randomSeed(),
    language: language?.trim() ?? F.language.default,
  };
}

/** The topic as the template planners quote it: spaces collapsed, cut at a word within `max` characters. */
export function shortTopic(topic: string, max = 48): string {
  const t = topic.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max).replace(/\s+\S*$/, '')}…`;
}
