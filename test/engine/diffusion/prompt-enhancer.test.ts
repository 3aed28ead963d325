import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findStyle } from '../../../src/domain/styles.js';
import { enhancePrompt, enhancePromptByRules, enhancePromptDetailed } from '../../../src/engine/diffusion/prompt-enhancer.js';

const realistic = findStyle('1cb4b936-77bf-4f9a-9039-f3d349a4cdbe')!;
const creatures = findStyle('b3c8075a-cb4c-42de-b8b3-7099dd2df672')!;

describe('rule-based enhancement', () => {
  it('is deterministic and keeps the original prompt first', async () => {
    const a = await enhancePrompt('a woman on a rooftop', realistic);
    const b = await enhancePrompt('a woman on a rooftop', realistic);
    expect(a).toBe(b);
    expect(a.startsWith('a woman on a rooftop, ')).toBe(true);
    expect(a).toBe(
      'a woman on a rooftop, expressive face, detailed eyes, raw photo, subtle film grain, accurate white balance, micro detail',
    );
  });

  it("adds the style's vocabulary and subject detail, without repeating what is there", () => {
    const out = enhancePromptByRules('Heroic dragon on a cliff with glowing eyes', creatures);
    expect(out).toContain('detailed fur and texture');
    expect(out).toContain('mythical');
    expect(out).not.toMatch(/glowing eyes.*glowing eyes/);
    expect(out.split(', ').length).toBeLessThanOrEqual(1 + 8);
  });

  it('adds a lighting cue only when neither prompt nor style has one, and generic detail without a style', () => {
    expect(enhancePromptByRules('a red bicycle', undefined)).toBe(
      'a red bicycle, high detail, sharp focus, balanced composition, soft natural lighting',
    );
    expect(enhancePromptByRules('a red bicycle at sunset', undefined)).not.toContain('soft natural lighting');
    expect(enhancePromptByRules('   ', undefined)).toBe('');
  });
});

describe('chat endpoint enhancement', () => {
  let server: Server;
  let url: string;
  let requests: { path: string; auth?: string; body: any }[];
  let reply: (req: IncomingMessage) => { status: number; body: unknown; delayMs?: number };

  beforeEach(async () => {
    requests = [];
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      requests.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(raw || '{}') });
      const r = reply(req);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
      }, r.delayMs ?? 0);
    };
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs an OpenAI chat request with the style vocabulary and uses the cleaned answer', async () => {
    reply = () => ({
      status: 200,
      body: {
        choices: [
          {
            message: {
              role: 'assistant',
              content: '"Prompt: a woman on a rooftop at dusk, city lights, 35mm, candid"\n\nThis prompt adds...',
            },
          },
        ],
      },
    });
    const out = await enhancePromptDetailed('a woman on a rooftop', realistic, { endpoint: url, model: 'qwen2.5', apiKey: 'sk-local' });
    expect(out).toEqual({ prompt: 'a woman on a rooftop at dusk, city lights, 35mm, candid', source: 'llm' });
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.auth).toBe('Bearer sk-local');
    expect(req.body).toMatchObject({ model: 'qwen2.5', temperature: 0, stream: false });
    expect(req.body.messages[0].role).toBe('system');
    expect(req.body.messages[0].content).toContain('Realistic');
    expect(req.body.messages[0].content).toContain('raw photo');
    expect(req.body.messages[1]).toEqual({ role: 'user', content: 'a woman on a rooftop' });
  });

  it('falls back to the rules on HTTP errors, bad bodies and empty answers', async () => {
    const rules = enhancePromptByRules('a woman on a rooftop', realistic);
    for (const r of [
      { status: 500, body: { error: 'boom' } },
      { status: 200, body: { nothing: true } },
      { status: 200, body: { choices: [{ message: { content: '   ' } }] } },
    ]) {
      reply = () => r;
      const out = await enhancePromptDetailed('a woman on a rooftop', realistic, { endpoint: url });
      expect(out.source).toBe('rules');
      expect(out.prompt).toBe(rules);
      expect(out.fallbackReason).toBeTruthy();
    }
  });

  it('falls back to the rules when the endpoint is too slow or unreachable', async () => {
    reply = () => ({ status: 200, body: { choices: [{ message: { content: 'late' } }] }, delayMs: 2000 });
    const slow = await enhancePromptDetailed('a dog', undefined, { endpoint: url, timeoutMs: 100 });
    expect(slow).toMatchObject({ source: 'rules', fallbackReason: 'chat endpoint timed out' });
    const down = await enhancePromptDetailed('a dog', undefined, { endpoint: 'http://127.0.0.1:9/v1', timeoutMs: 2000 });
    expect(down.source).toBe('rules');
    expect(down.prompt).toBe(enhancePromptByRules('a dog', undefined));
  });
});
