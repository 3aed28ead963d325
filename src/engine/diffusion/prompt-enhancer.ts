/**
 * `enhance_prompt`: turn a short prompt into a richer one.
 *
 * With an OpenAI-compatible chat endpoint configured (a local Ollama at
 * http://localhost:11434/v1, say) the model rewrites the prompt, told the style's name,
 * description and vocabulary. Without one, or when the call fails, times out or answers
 * nothing usable, a deterministic rule set expands it: subject-aware detail phrases, the
 * style's vocabulary, and a lighting cue when the prompt has none. Same input, same output.
 */
import type { SoulStyle } from '../../domain/styles.js';

export interface EnhancePromptOptions {
  /** OpenAI-compatible base URL; requests go to `{endpoint}/chat/completions`. */
  endpoint?: string;
  model?: string;
  apiKey?: string;
  fetchImpl?: typeof fetch;
  /** Give up on the chat endpoint after this long and use the rules (default 15 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface EnhancedPrompt {
  prompt: string;
  source: 'llm' | 'rules';
  /** Why the chat endpoint was not used, when one was configured. */
  fallbackReason?: string;
}

const DEFAULT_MODEL = 'llama3.2';
const MAX_ADDED_PHRASES = 8;
const MAX_LLM_CHARS = 600;

const SUBJECT_RULES: { test: RegExp; phrases: string[] }[] = [
  {
    test: /\b(man|woman|men|women|person|people|girl|boy|guy|lady|child|kid|portrait|face|selfie|model|he|she|they|couple|friends?|warrior|character)\b/i,
    phrases: ['expressive face', 'detailed eyes', 'natural skin texture', 'natural pose'],
  },
  {
    test: /\b(mountains?|forest|lake|sea|ocean|beach|river|valley|desert|landscape|sky|field|hills?|waterfall|island)\b/i,
    phrases: ['wide establishing view', 'atmospheric depth', 'rich environmental detail'],
  },
  {
    test: /\b(city|street|building|skyline|alley|road|cafe|room|interior|house|station|subway)\b/i,
    phrases: ['believable architecture', 'lived-in details', 'depth and perspective'],
  },
  {
    test: /\b(dog|cat|bird|horse|animal|creature|dragon|wolf|fox|lion|tiger)\b/i,
    phrases: ['detailed fur and texture', 'lifelike anatomy', 'alert expression'],
  },
  {
    test: /\b(product|bottle|shoe|sneaker|watch|car|phone|bag|perfume|jewelry|jewellery)\b/i,
    phrases: ['crisp product detail', 'clean reflections', 'studio-quality finish'],
  },
];
const GENERIC_PHRASES = ['high detail', 'sharp focus', 'balanced composition'];
const LIGHTING_WORDS =
  /\b(light|lit|lighting|sun|sunlight|sunset|sunrise|flash|glow|shadows?|neon|golden hour|moonlight|spotlight|backlit|candle)/i;

function splitPhrases(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Deterministic rule-based expansion. */
export function enhancePromptByRules(prompt: string, style: SoulStyle | undefined): string {
  const base = prompt.trim().replace(/[\s,]+$/, '');
  if (!base) return base;
  const present = base.toLowerCase();
  const templateText = style?.promptTemplate.toLowerCase() ?? '';
  const added: string[] = [];
  const add = (phrase: string) => {
    const p = phrase.toLowerCase();
    // Skip what the prompt already says and what the style template will add anyway.
    if (added.length >= MAX_ADDED_PHRASES || present.includes(p) || templateText.includes(p)) return;
    if (added.some((a) => a.toLowerCase() === p)) return;
    added.push(phrase);
  };
  for (const rule of SUBJECT_RULES) if (rule.test.test(base)) rule.phrases.slice(0, 2).forEach(add);
  (style?.keywords.length ? style.keywords.slice(0, 4) : GENERIC_PHRASES).forEach(add);
  if (!LIGHTING_WORDS.test(base) && !LIGHTING_WORDS.test(templateText)) add('soft natural lighting');
  return [base, ...added].join(', ');
}

function systemMessage(style: SoulStyle | undefined): string {
  const lines = [
    'You rewrite image-generation prompts for a Stable Diffusion model.',
    'Keep every subject, action and detail the user gave; add concrete visual detail (subject, setting, lighting, lens, mood).',
    'Answer with the rewritten prompt only: one line, comma-separated phrases, at most 60 words, no quotes, no explanations.',
  ];
  if (style) {
    lines.push(`The image uses the style "${style.name}": ${style.description}`);
    lines.push(
      `Vocabulary of this style: ${[...splitPhrases(style.promptTemplate).filter((p) => p !== '{prompt}'), ...style.keywords].join(', ')}.`,
    );
  }
  return lines.join('\n');
}

/** One line of plain prompt text out of a chat answer, or '' when nothing usable came back. */
function cleanAnswer(text: string): string {
  let t = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  t = t.replace(/^```[a-z]*\s*|\s*```$/gi, '').trim();
  t = t.split(/\n\s*\n/)[0] ?? '';
  const unquote = (v: string) => v.replace(/^["'“”]+|["'“”]+$/g, '').trim();
  t = unquote(t.replace(/\s+/g, ' ').trim());
  t = unquote(t.replace(/^(enhanced |rewritten )?prompt\s*:\s*/i, ''));
  return t.length > MAX_LLM_CHARS ? t.slice(0, MAX_LLM_CHARS).replace(/,[^,]*$/, '') : t;
}

async function enhanceByChat(
  prompt: string,
  style: SoulStyle | undefined,
  opts: EnhancePromptOptions & { endpoint: string },
): Promise<string> {
  const url = `${opts.endpoint.replace(/\/+$/, '')}/chat/completions`;
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const res = await (opts.fetchImpl ?? fetch)(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
    body: JSON.stringify({
      model: opts.model ?? DEFAULT_MODEL,
      messages: [
        { role: 'system', content: systemMessage(style) },
        { role: 'user', content: prompt },
      ],
      temperature: 0,
      max_tokens: 200,
      stream: false,
    }),
    signal,
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`chat endpoint answered HTTP ${res.status}`);
  }
  const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new Error('chat endpoint answered without message content');
  const cleaned = cleanAnswer(content);
  if (!cleaned) throw new Error('chat endpoint answered an empty prompt');
  return cleaned;
}

/** The enhanced prompt and where it came from. */
export async function enhancePromptDetailed(
  prompt: string,
  style: SoulStyle | undefined,
  opts: EnhancePromptOptions = {},
): Promise<EnhancedPrompt> {
  if (!prompt.trim()) return { prompt: prompt.trim(), source: 'rules' };
  if (opts.endpoint) {
    try {
      return { prompt: await enhanceByChat(prompt.trim(), style, { ...opts, endpoint: opts.endpoint }), source: 'llm' };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const reason = err instanceof Error && err.name === 'TimeoutError' ? 'chat endpoint timed out' : (err as Error).message;
      return { prompt: enhancePromptByRules(prompt, style), source: 'rules', fallbackReason: reason };
    }
  }
  return { prompt: enhancePromptByRules(prompt, style), source: 'rules' };
}

/** The enhanced prompt text (chat endpoint when configured, rules otherwise or on failure). */
export async function enhancePrompt(prompt: string, style: SoulStyle | undefined, opts: EnhancePromptOptions = {}): Promise<string> {
  return (await enhancePromptDetailed(prompt, style, opts)).prompt;
}
