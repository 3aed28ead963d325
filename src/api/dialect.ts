import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { DomainError, ValidationError } from '../domain/errors.js';
import type { WebhookRenderer } from '../services/webhooks.js';
import type { Surface } from './surface.js';

/** Pulls `{keyId, secret}` out of a request in one dialect's way; null when absent. */
export type CredentialExtractor = (req: FastifyRequest) => { keyId: string; secret: string } | null;

export interface RenderedError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Each dialect renders domain errors in its own shape; routes name their dialect in config. */
export type ErrorRenderer = (err: DomainError | ValidationError) => RenderedError;

/**
 * One wire dialect, whole. Adding a dialect is writing one of these and listing it (the reseller
 * ones in src/api/dialects.ts); buildApp registers it on that app only.
 */
export interface Dialect {
  /** Its credential scheme and error shape go by this name (routes: `config: { auth, dialect }`). */
  name: string;
  credentials: CredentialExtractor;
  renderError: ErrorRenderer;
  /** URL prefixes it owns: unknown paths under them still answer in its shape. */
  pathPrefixes: string[];
  /**
   * Webhook bodies, by the webhook dialect a set was submitted with. Every process that can finish
   * a set installs them (src/api/webhook-renderers.ts), `opensoul worker` included.
   */
  webhooks?: (ctx: AppContext) => Record<string, WebhookRenderer>;
  routes: Surface;
}

type Registration = Pick<Dialect, 'name' | 'credentials' | 'renderError' | 'pathPrefixes'>;

/**
 * One app's dialects: which scheme reads a route's credentials, which renderer shapes an error,
 * which dialect owns an unrouted path. Built per app by buildApp, so two apps in one process
 * (tests, an embedder) never see each other's dialects.
 */
export class DialectRegistry {
  private readonly schemes = new Map<string, CredentialExtractor>();
  private readonly renderers = new Map<string, ErrorRenderer>();
  /** Longest prefix first. */
  private readonly pathOwners: [prefix: string, dialect: string][] = [];

  /** `fallback` renders errors of unowned paths and of routes naming no known dialect. */
  constructor(private readonly fallback: Registration) {
    this.add(fallback);
  }

  add(d: Registration) {
    if (this.schemes.has(d.name)) throw new Error(`dialect ${d.name} is registered twice on this app`);
    this.schemes.set(d.name, d.credentials);
    this.renderers.set(d.name, d.renderError);
    for (const p of d.pathPrefixes) if (!this.pathOwners.some(([q]) => q === p)) this.pathOwners.push([p, d.name]);
    this.pathOwners.sort((a, b) => b[0].length - a[0].length);
  }

  credentials(scheme: string): CredentialExtractor | undefined {
    return this.schemes.get(scheme);
  }

  /** The request's dialect: its route's, else the owner of its URL prefix, else the fallback. */
  dialectOf(req: FastifyRequest): string {
    const routed = (req.routeOptions?.config as { dialect?: string } | undefined)?.dialect;
    if (routed) return routed;
    const path = req.url.split('?')[0];
    return this.pathOwners.find(([p]) => path.startsWith(p))?.[1] ?? this.fallback.name;
  }

  renderError(req: FastifyRequest, err: DomainError | ValidationError): RenderedError {
    return (this.renderers.get(this.dialectOf(req)) ?? this.fallback.renderError)(err);
  }
}
