import type { StudioRequest } from './api';
import { isWorkflowPath } from './requests';

/**
 * "Copy as" code for the exact request the studio sends. The key is read from environment
 * variables (OPENSOUL_KEY_ID, OPENSOUL_KEY_SECRET) so it never lands on screen or in a paste.
 */

export interface Sample {
  id: string;
  label: string;
  code: string;
  /** What this dialect cannot express of the request (it is left out of the sample). */
  note?: string;
}

const KEY = '$OPENSOUL_KEY_ID:$OPENSOUL_KEY_SECRET';
const json = (v: unknown) => JSON.stringify(v, null, 2);
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function curl(base: string, path: string, headers: string[], body: unknown): string {
  const h = headers.map((x) => `  -H "${x}"`).join(' \\\n');
  return `curl -sS -X POST "${base}${path}" \\\n${h} \\\n  -H "content-type: application/json" \\\n  -d ${shellQuote(json(body))}`;
}

type Params = Record<string, unknown>;
const paramsOf = (req: StudioRequest) => (req.body.params ?? {}) as Params;
const imageRefUrl = (p: Params) => (p.image_reference as { image_url?: string } | undefined)?.image_url;
const firstImage = (v: unknown) => (Array.isArray(v) && v.length ? (v[0] as { image_url: string }).image_url : undefined);

/** Copies the listed fields that are set; reports the set ones a dialect has no field for. */
function pick(p: Params, allowed: string[]): { out: Params; dropped: string[] } {
  const out: Params = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === null) continue;
    if (allowed.includes(k)) out[k] = v;
    else dropped.push(k);
  }
  return { out, dropped };
}
const dropNote = (d: string[], extra = '') =>
  d.length ? `Not expressible in this dialect, left out: ${d.join(', ')}.${extra}` : extra.trim() || undefined;

/** The v2 (fal-style) route and flat body for a v1 request; null when v2 has no such route. */
export function v2Form(req: StudioRequest): { path: string; body: Params } | null {
  const p = paramsOf(req);
  if (req.path === '/v1/text2image/soul')
    return { path: p.custom_reference_id ? '/higgsfield-ai/soul/character' : '/higgsfield-ai/soul/standard', body: p };
  if (req.path === '/v1/image2video/dop') {
    const tier = String(p.model ?? 'dop-lite').replace('dop-', '');
    const end = firstImage(p.input_images_end);
    const body: Params = { image_url: firstImage(p.input_images), prompt: p.prompt };
    if (end) body.end_image_url = end;
    for (const k of ['motions', 'seed', 'enhance_prompt']) if (p[k] !== undefined) body[k] = p[k];
    return { path: `/higgsfield-ai/dop/${tier}${end ? '/first-last-frame' : ''}`, body };
  }
  return null;
}

/** A standard-library Python client (imports, headers, `call`) that has just submitted the request as `result`. */
function pythonPrelude(base: string, req: StudioRequest, authHeaders: string[]): string {
  return `import json, os, time, urllib.request

BASE = ${JSON.stringify(base)}
HEADERS = {
${authHeaders.map((h) => `    ${h},\n`).join('')}    "content-type": "application/json",
}

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, headers=HEADERS, method=method)
    with urllib.request.urlopen(req) as r:
        return json.load(r)

body = json.loads(${JSON.stringify(JSON.stringify(req.body))})
result = call("POST", ${JSON.stringify(req.path)}, body)`;
}

function pythonSample(base: string, req: StudioRequest): string {
  const poll = req.path === '/v1/custom-references' ? '/v1/custom-references/' : '/v1/job-sets/';
  const done =
    req.path === '/v1/custom-references'
      ? 'result["status"] in ("completed", "failed")'
      : 'all(j["status"] not in ("queued", "in_progress") for j in result["jobs"])';
  return `${pythonPrelude(base, req, ['"hf-api-key": os.environ["OPENSOUL_KEY_ID"]', '"hf-secret": os.environ["OPENSOUL_KEY_SECRET"]'])}
while not (${done}):
    time.sleep(1)
    result = call("GET", ${JSON.stringify(poll)} + result["id"])
print(json.dumps(result, indent=2))`;
}

function jsSample(base: string, req: StudioRequest): string {
  const head = `import { HiggsfieldClient } from '@higgsfield/client';

const client = new HiggsfieldClient({
  apiKey: process.env.OPENSOUL_KEY_ID,
  apiSecret: process.env.OPENSOUL_KEY_SECRET,
  baseURL: ${JSON.stringify(base)},
});
`;
  if (req.path === '/v1/custom-references') {
    return `${head}
// Waits until the character is built (or failed).
const character = await client.createSoulId(${json(req.body)});
console.log(character);`;
  }
  return `${head}
// generate() wraps the parameters in {params} and polls until every job ends.
const jobSet = await client.generate(${JSON.stringify(req.path)}, ${json(paramsOf(req))});
for (const job of jobSet.jobs) console.log(job.status, job.results?.raw.url);`;
}

/**
 * The creator workflows are v2-style routes (flat body, `request_id`, GET /requests/{id}/status),
 * so their samples poll the v2 status and the JavaScript one uses the official v2 client.
 */
function workflowSamples(req: StudioRequest, base: string): Sample[] {
  const python = `${pythonPrelude(base, req, ['"Authorization": "Key " + os.environ["OPENSOUL_KEY_ID"] + ":" + os.environ["OPENSOUL_KEY_SECRET"]'])}
while result["status"] in ("queued", "in_progress"):
    time.sleep(2)
    result = call("GET", "/requests/" + result["request_id"] + "/status")
print(json.dumps(result, indent=2))`;
  const js = `import { createHiggsfieldClient } from '@higgsfield/client/v2';

const client = createHiggsfieldClient({
  apiKey: process.env.OPENSOUL_KEY_ID,
  apiSecret: process.env.OPENSOUL_KEY_SECRET,
  baseURL: ${JSON.stringify(base)},
  // A series renders for minutes: poll for up to an hour.
  maxPollTime: 3_600_000,
});

// subscribe() posts the body and polls /requests/{id}/status until the request ends.
const result = await client.subscribe(${JSON.stringify(req.path)}, { input: ${json(req.body).replace(/\n/g, '\n  ')} });
console.log(result.status, result.carousel?.caption ?? result.videos?.at(-1)?.url);`;
  return [
    {
      id: 'curl-v2',
      label: 'curl',
      code: curl(base, req.path, [`Authorization: Key ${KEY}`], req.body),
      note: 'Poll GET /requests/{request_id}/status.',
    },
    { id: 'js', label: 'JavaScript', code: js },
    { id: 'python', label: 'Python', code: python },
  ];
}

export function samples(req: StudioRequest, base: string): Sample[] {
  if (isWorkflowPath(req.path)) return workflowSamples(req, base);
  const out: Sample[] = [
    {
      id: 'curl-v1',
      label: 'curl (v1)',
      code: curl(base, req.path, ['hf-api-key: $OPENSOUL_KEY_ID', 'hf-secret: $OPENSOUL_KEY_SECRET'], req.body),
    },
  ];
  const v2 = v2Form(req);
  if (v2) out.push({ id: 'curl-v2', label: 'curl (v2)', code: curl(base, v2.path, [`Authorization: Key ${KEY}`], v2.body) });
  out.push({ id: 'js', label: 'JavaScript', code: jsSample(base, req) });
  out.push({ id: 'python', label: 'Python', code: pythonSample(base, req) });
  if (req.path !== '/v1/text2image/soul') return out;

  const p = paramsOf(req);
  const ref = imageRefUrl(p);
  {
    const { out: body, dropped } = pick(p, [
      'prompt',
      'quality',
      'width_and_height',
      'seed',
      'style_id',
      'custom_reference_id',
      'image_reference',
    ]);
    const ws: Params = {
      prompt: body.prompt,
      size: String(body.width_and_height).replace('x', '*'),
      quality: body.quality === '1080p' ? 'high' : 'medium',
    };
    if (body.seed !== undefined) ws.seed = body.seed;
    if (body.style_id) ws.style = body.style_id;
    if (body.custom_reference_id) ws.soul_id = body.custom_reference_id;
    if (ref) ws.image = ref;
    const lost = dropped.filter(
      (d) => !(d === 'batch_size' && p.batch_size === 1) && !(d === 'enhance_prompt' && p.enhance_prompt === false),
    );
    out.push({
      id: 'wavespeed',
      label: 'WaveSpeed',
      code: curl(base, `/api/v3/higgsfield/soul/${ref ? 'image-to-image' : 'text-to-image'}`, [`Authorization: Bearer ${KEY}`], ws),
      note: dropNote(lost, ' Poll GET /api/v3/predictions/{id}/result.'),
    });
  }
  {
    const { out: body, dropped } = pick(p, [
      'prompt',
      'width_and_height',
      'enhance_prompt',
      'style_id',
      'style_strength',
      'quality',
      'seed',
      'image_reference',
    ]);
    delete body.image_reference;
    if (ref) body.image_url = ref;
    const lost = dropped.filter((d) => !(d === 'batch_size' && p.batch_size === 1));
    out.push({
      id: 'segmind',
      label: 'Segmind',
      code: curl(base, '/v2/higgsfield-text2image-soul', [`x-api-key: ${KEY}`], body),
      note: dropNote(lost, ' Poll GET /v2/requests/{request_id}.'),
    });
  }
  {
    const { out: body } = pick(p, [
      'prompt',
      'width_and_height',
      'enhance_prompt',
      'style_id',
      'style_strength',
      'quality',
      'seed',
      'custom_reference_id',
      'custom_reference_strength',
      'batch_size',
      'image_reference',
    ]);
    delete body.image_reference;
    if (ref) Object.assign(body, { image_reference_type: 'image_url', image_reference_image_url: ref });
    out.push({
      id: 'pixazo',
      label: 'Pixazo',
      code: curl(base, '/ai-model-api/v1/generateSoul', [`Ocp-Apim-Subscription-Key: ${KEY}`], body),
      note: 'Poll POST /ai-model-api-polling/getGenerationResults with {"job_set_id": "..."}.',
    });
  }
  return out;
}
