import type { FastifyInstance, RouteOptions } from 'fastify';
import { DomainError, type FieldIssue, ValidationError } from '../domain/errors.js';
import { FieldReader } from '../domain/fields.js';
import { MILLI, USD_TO_CREDITS } from '../domain/pricing.js';
import type { AppContext } from '../context.js';
import type { SoulParams } from '../domain/soul.js';
import type { SubmitPlan } from '../services/generation.js';
import type { SoulSubmitMeta } from '../services/soul-service.js';
import { principalOf } from './auth.js';

/** What a submit route reads: its body and query (a quote has no query of its own). */
export interface SubmitRequest {
  body: unknown;
  query: unknown;
}

/**
 * How a submit route prices a request: the route's own reader, then the same plan function its
 * handler submits, so a quote is what the submit would charge. Routes declare it in their
 * config (`config.quote`), beside the handler, and POST /v1/quote finds it by path.
 */
export interface Quoter {
  /** The money the dialect speaks. */
  currency: 'credits' | 'usd';
  plan(req: SubmitRequest): Promise<Pick<SubmitPlan, 'jobs'>>;
}

/** A Soul submit route's reading: the request as SoulParams and how it is submitted (model, price). */
export type SoulRead = (req: SubmitRequest) => Promise<{ params: SoulParams; meta: SoulSubmitMeta }>;

/** The quote of a Soul route: its own reader, then SoulService.plan, which its submit also runs. */
export function soulQuoter(ctx: AppContext, currency: Quoter['currency'], read: SoulRead): Quoter {
  return {
    currency,
    plan: async (req) => {
      const { params, meta } = await read(req);
      return ctx.soul.plan(params, meta);
    },
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    quote?: Quoter;
  }
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Credits and dollars of a plan, at the one documented rate. */
export function quoteOf(plan: Pick<SubmitPlan, 'jobs'>, currency: Quoter['currency']) {
  const milli = plan.jobs.reduce((n, j) => n + j.costMilli, 0);
  const credits = milli / MILLI;
  const usd = round6(credits / USD_TO_CREDITS);
  return { credits, usd, currency, amount: currency === 'usd' ? usd : credits, jobs: plan.jobs.length };
}

function readQuoteBody(body: unknown): { path: string; body: unknown } {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const path = r.string('path', { required: true, min: 1, max: 300 });
  if (!r.has('body')) r.issues.push({ type: 'missing', loc: ['body', 'body'], msg: 'Field required', input: body });
  r.ignore('body');
  r.forbidExtra();
  r.throwIfInvalid();
  return { path: path!, body: (body as Record<string, unknown>).body };
}

/** Collects the quoters of POST routes as they register; call before the routes (onRoute). */
export function installQuotes(app: FastifyInstance) {
  const quoters = new Map<string, Quoter>();
  app.addHook('onRoute', (r: RouteOptions) => {
    const quote = (r.config as { quote?: Quoter } | undefined)?.quote;
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    if (quote && methods.includes('POST')) quoters.set(r.url, quote);
  });

  app.post(
    '/v1/quote',
    {
      config: { auth: 'higgsfield', dialect: 'higgsfield' },
      schema: {
        tags: ['opensoul'],
        summary: 'Price a request body for a submit path, computed by the code that charges it; nothing is charged or stored',
        body: {
          type: 'object',
          required: ['path', 'body'],
          properties: {
            path: { type: 'string', description: 'The path the request would be POSTed to, e.g. /v1/text2image/soul' },
            body: { description: 'The request body, as it would be sent' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              credits: { type: 'number' },
              usd: { type: 'number' },
              currency: { type: 'string', enum: ['credits', 'usd'], description: "The submit path dialect's own money" },
              amount: { type: 'number', description: 'The price in that currency' },
              jobs: { type: 'integer' },
            },
          },
        },
      },
    },
    async (req) => {
      principalOf(req);
      const q = readQuoteBody(req.body);
      const path = q.path.split('?')[0];
      const quoter = quoters.get(path);
      if (!quoter) throw new DomainError('not_found', `No submit path ${path} to quote`);
      return quoteOf(await quoter.plan({ body: q.body, query: {} }), quoter.currency);
    },
  );
}
