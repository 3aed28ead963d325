// How the soak's clients speak each dialect: submit (with its webhook where the dialect has one),
// poll, cancel, and when a poll answer means the set has ended.

export interface SoakAccount {
  accountId: string;
  keyId: string;
  secret: string;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface SoakDialect {
  name: string;
  submit(a: SoakAccount, prompt: string, batch: number, webhookUrl: string): HttpCall;
  submitId(body: any): string;
  poll(a: SoakAccount, id: string): HttpCall;
  /** The set's status as this dialect words it once it has ended; null while it runs. */
  ended(status: number, body: any): string | null;
  /** Whether this dialect's submits carry a webhook. */
  webhook: boolean;
}

const credential = (a: SoakAccount) => `${a.keyId}:${a.secret}`;
const json = { 'content-type': 'application/json' };
export const hfV1Auth = (a: SoakAccount) => ({ 'hf-api-key': a.keyId, 'hf-secret': a.secret });
const TERMINAL = new Set(['completed', 'failed', 'nsfw', 'canceled']);

/** v1 and Pixazo render the set with its jobs: ended when every job has. */
const jobsEnded = (body: any): string | null =>
  Array.isArray(body?.jobs) && body.jobs.length > 0 && body.jobs.every((j: any) => TERMINAL.has(j.status))
    ? body.jobs.map((j: any) => j.status).join(',')
    : null;

export const DIALECTS: SoakDialect[] = [
  {
    name: 'higgsfield-v1',
    webhook: true,
    submit: (a, prompt, batch, hook) => ({
      method: 'POST',
      path: '/v1/text2image/soul',
      headers: { ...hfV1Auth(a), ...json },
      body: { params: { prompt, quality: '720p', batch_size: batch }, webhook: { url: hook, secret: 'soak-v1' } },
    }),
    submitId: (b) => b.id,
    poll: (a, id) => ({ method: 'GET', path: `/v1/job-sets/${id}`, headers: hfV1Auth(a) }),
    ended: (_s, b) => jobsEnded(b),
  },
  {
    name: 'higgsfield-v2',
    webhook: true,
    submit: (a, prompt, _batch, hook) => ({
      method: 'POST',
      path: `/higgsfield-ai/soul/standard?hf_webhook=${encodeURIComponent(hook)}`,
      headers: { authorization: `Key ${credential(a)}`, ...json },
      body: { prompt, resolution: '720p' },
    }),
    submitId: (b) => b.request_id,
    poll: (a, id) => ({ method: 'GET', path: `/requests/${id}/status`, headers: { authorization: `Key ${credential(a)}` } }),
    ended: (_s, b) => (TERMINAL.has(b?.status) ? b.status : null),
  },
  {
    name: 'wavespeed',
    webhook: true,
    submit: (a, prompt, _batch, hook) => ({
      method: 'POST',
      path: `/api/v3/higgsfield/soul/text-to-image?webhook=${encodeURIComponent(hook)}`,
      headers: { authorization: `Bearer ${credential(a)}`, ...json },
      body: { prompt },
    }),
    submitId: (b) => b.data.id,
    poll: (a, id) => ({ method: 'GET', path: `/api/v3/predictions/${id}/result`, headers: { authorization: `Bearer ${credential(a)}` } }),
    ended: (_s, b) => (['completed', 'failed'].includes(b?.data?.status) ? b.data.status : null),
  },
  {
    name: 'segmind',
    webhook: false,
    submit: (a, prompt) => ({
      method: 'POST',
      path: '/v2/higgsfield-text2image-soul',
      headers: { 'x-api-key': credential(a), ...json },
      body: { prompt },
    }),
    submitId: (b) => b.request_id,
    poll: (a, id) => ({ method: 'GET', path: `/v2/requests/${id}/status`, headers: { 'x-api-key': credential(a) } }),
    // FAILED comes with HTTP 422.
    ended: (_s, b) => (['COMPLETED', 'FAILED'].includes(b?.status) ? b.status : null),
  },
  {
    name: 'pixazo',
    webhook: true,
    submit: (a, prompt, batch, hook) => ({
      method: 'POST',
      path: '/ai-model-api/v1/generateSoul',
      headers: { 'ocp-apim-subscription-key': credential(a), 'cache-control': 'no-cache', ...json },
      body: { prompt, width_and_height: '1536x1536', quality: '720p', batch_size: batch, webhook_url: hook, webhook_secret: 'soak-pixazo' },
    }),
    submitId: (b) => b.job_set_id,
    poll: (a, id) => ({
      method: 'POST',
      path: '/ai-model-api-polling/getGenerationResults',
      headers: { 'ocp-apim-subscription-key': credential(a), 'cache-control': 'no-cache', ...json },
      body: { job_set_id: id },
    }),
    ended: (_s, b) => jobsEnded(b),
  },
];

/** The opensoul cancel extension (v1 credentials work for a set submitted in any dialect). */
export const cancelCall = (a: SoakAccount, id: string): HttpCall => ({
  method: 'POST',
  path: `/v1/job-sets/${id}/cancel`,
  headers: hfV1Auth(a),
});
/** The v1 rendering of any set: its jobs' statuses, whatever dialect submitted it. */
export const v1Read = (a: SoakAccount, id: string): HttpCall => ({ method: 'GET', path: `/v1/job-sets/${id}`, headers: hfV1Auth(a) });
