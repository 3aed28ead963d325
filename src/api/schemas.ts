/**
 * JSON Schemas (OpenAPI 3.0 dialect) of response bodies shared by several routes, and of each
 * dialect's error body. They document only: the serializer sends bodies as built, and
 * test/integration/openapi-conformance.test.ts checks real responses against them.
 */
import { JOB_SET_TYPES, WIRE_STATUSES } from '../domain/job.js';
import type { JsonSchema } from '../domain/fields.js';

const str = { type: 'string' } as const;
const nullableStr = { type: 'string', nullable: true } as const;
const uri = { type: 'string', format: 'uri' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

export const closed = (
  properties: Record<string, JsonSchema>,
  required: string[] = Object.keys(properties),
  extra: JsonSchema = {},
): JsonSchema => ({
  type: 'object',
  required,
  properties,
  additionalProperties: false,
  ...extra,
});

/** A pydantic-shaped issue (src/domain/errors.ts FieldIssue). */
export const fieldIssueSchema = closed(
  {
    type: str,
    loc: { type: 'array', items: { oneOf: [str, { type: 'integer' }] } },
    msg: str,
    input: {},
    ctx: { type: 'object' },
  },
  ['type', 'loc', 'msg'],
);

/** Error bodies as each dialect's renderer (src/api/errors.ts and the reseller surfaces) writes them. */
export const ERROR_SCHEMAS: Record<string, JsonSchema> = {
  higgsfield: closed({
    detail: { oneOf: [str, { type: 'array', items: fieldIssueSchema }], description: 'A message, or the list of field issues (422)' },
  }),
  wavespeed: closed(
    {
      code: { type: 'integer', description: 'The HTTP status' },
      message: str,
      error_code: { type: 'string', description: "invalid_parameters, or the domain error's code" },
      data: { type: 'object', nullable: true, description: 'Always null' },
      details: { type: 'array', items: fieldIssueSchema, description: 'Field issues of a 400' },
    },
    ['code', 'message', 'error_code', 'data'],
  ),
  segmind: closed({ error: str }),
  pixazo: closed({ error: str }),
};

/** How each dialect's credential scheme appears in the document (each dialect module's `credentials`, src/api/dialect.ts). */
export const SECURITY_SCHEMES: Record<string, JsonSchema> = {
  'hf-api-key': { type: 'apiKey', in: 'header', name: 'hf-api-key', description: 'Higgsfield v1: the key id, sent with hf-secret' },
  'hf-secret': { type: 'apiKey', in: 'header', name: 'hf-secret', description: 'Higgsfield v1: the key secret, sent with hf-api-key' },
  'hf-key': { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Higgsfield v2: `Key KEY_ID:KEY_SECRET`' },
  wavespeed: { type: 'http', scheme: 'bearer', description: 'WaveSpeed: `Bearer KEY_ID:KEY_SECRET` (or the compact os_ key)' },
  segmind: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'Segmind: `KEY_ID:KEY_SECRET` (or the compact os_ key)' },
  pixazo: {
    type: 'apiKey',
    in: 'header',
    name: 'Ocp-Apim-Subscription-Key',
    description: 'Pixazo: `KEY_ID:KEY_SECRET` (or the compact os_ key)',
  },
};

/** Security requirement of a route's `config.auth` scheme: alternatives are OR-ed, names in one object AND-ed. */
export const SECURITY_OF: Record<string, Record<string, string[]>[]> = {
  higgsfield: [{ 'hf-api-key': [], 'hf-secret': [] }, { 'hf-key': [] }],
  wavespeed: [{ wavespeed: [] }],
  segmind: [{ segmind: [] }],
  pixazo: [{ pixazo: [] }],
};

const resultMedia = closed({ type: str, url: uri });

export const v1JobSchema = closed(
  {
    id: uuid,
    job_set_type: str,
    status: { type: 'string', enum: [...WIRE_STATUSES] },
    results: { ...closed({ min: resultMedia, raw: resultMedia }), nullable: true },
    error: str,
    progress: closed({ step: { type: 'integer' }, total: { type: 'integer' } }),
    identity_score: { type: 'number', description: 'opensoul: face similarity to the character (Soul ID jobs)' },
    poster_url: { ...uri, description: 'opensoul: poster frame of a video' },
    created_at: str,
    started_at: nullableStr,
    finished_at: nullableStr,
  },
  ['id', 'job_set_type', 'status', 'results', 'created_at', 'started_at', 'finished_at'],
);

const v1JobSetProperties = {
  id: uuid,
  type: { type: 'string', enum: [...JOB_SET_TYPES] },
  created_at: str,
  jobs: { type: 'array', items: v1JobSchema },
  input_params: { type: 'object', description: 'The request as read, defaults filled in' },
};

/** Higgsfield v1 JobSet (GET /v1/job-sets/{id}). */
export const v1JobSetSchema = closed(v1JobSetProperties);

/** Pixazo's job set: the v1 JobSet in its success envelope (the image reference as a media input). */
const pixazoProperties = { success: { type: 'boolean', enum: [true] }, ...v1JobSetProperties };
export const pixazoJobSetSchema = closed(pixazoProperties);

/** generateSoul's answer: Pixazo's job set with the set id as `job_set_id`. */
export const pixazoSubmitSchema = closed({
  ...Object.fromEntries(Object.entries(pixazoProperties).filter(([k]) => k !== 'id')),
  job_set_id: uuid,
});

/** The v1 JobSet plus the set status: the data of a job set's event stream and of list items. */
export const v1JobSetWithStatusProperties = { ...v1JobSetProperties, status: { type: 'string', enum: [...WIRE_STATUSES] } };

/** Higgsfield v2 submit answer. */
export const v2QueuedSchema = closed({ status: { type: 'string', enum: ['queued'] }, request_id: uuid, status_url: uri, cancel_url: uri });

function seriesSchema(): JsonSchema {
  const motion = closed({ id: uuid, name: str, strength: { type: 'number' } });
  const scene = closed(
    {
      index: { type: 'integer' },
      beat: str,
      image_prompt: str,
      camera: str,
      motions: { type: 'array', items: motion },
      caption: str,
      status: { type: 'string', enum: [...WIRE_STATUSES], nullable: true },
      video_url: { ...uri, nullable: true },
      keyframe_url: { ...uri, nullable: true },
      error: str,
    },
    ['index', 'beat', 'image_prompt', 'camera', 'motions', 'caption', 'status', 'video_url', 'keyframe_url'],
  );
  const concatenated = closed(
    {
      status: { type: 'string', enum: [...WIRE_STATUSES] },
      video_url: { ...uri, nullable: true },
      duration_s: { type: 'number' },
      transitions: { type: 'object' },
      captions: str,
      error: str,
    },
    ['status', 'video_url'],
  );
  return closed(
    {
      template: str,
      title: str,
      scenes: { type: 'array', items: scene },
      clip_duration: { type: 'integer', enum: [5, 10] },
      transition_s: { type: 'number' },
      target_duration: { type: 'integer' },
      planned_duration: { type: 'number' },
      planner: { type: 'string', enum: ['llm', 'template'] },
      language: str,
      fallback_reason: str,
      concatenated: { ...concatenated, nullable: true },
    },
    [
      'template',
      'title',
      'scenes',
      'clip_duration',
      'transition_s',
      'target_duration',
      'planned_duration',
      'planner',
      'language',
      'concatenated',
    ],
  );
}

/** Higgsfield v2 RequestStatus. */
export const v2StatusSchema = closed(
  {
    status: { type: 'string', enum: [...WIRE_STATUSES] },
    request_id: uuid,
    status_url: uri,
    cancel_url: uri,
    images: { type: 'array', items: closed({ url: uri }), description: 'When completed (images)' },
    video: { ...closed({ url: uri }), description: 'When completed (video)' },
    videos: {
      type: 'array',
      description: 'When completed (video series): every clip (`kind: clip`, by index), then the joined video (`kind: concatenated`)',
      items: closed(
        {
          kind: { type: 'string', enum: ['clip', 'concatenated'] },
          index: { type: 'integer' },
          url: uri,
          duration_s: { type: 'number' },
          keyframe_url: { ...uri, nullable: true },
        },
        ['kind', 'url', 'duration_s'],
      ),
    },
    series: { ...seriesSchema(), description: "Video series: the plan, each scene's clip and the joined video" },
    error: str,
    identity_scores: { type: 'array', items: { type: 'number' } },
  },
  ['status', 'request_id', 'status_url', 'cancel_url'],
);

export const stylesSchema = { type: 'array', items: closed({ id: uuid, name: str, description: str, preview_url: uri }) };

export const noBody = (description: string): JsonSchema => ({ description });
export const binary = (contentType: string, description: string): JsonSchema => ({
  description,
  content: { [contentType]: { schema: { type: 'string', format: 'binary' } } },
});
