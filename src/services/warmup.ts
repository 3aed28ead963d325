import { performance } from 'node:perf_hooks';
import type { ReadinessProbe, Readiness } from '../context.js';
import type { Logger } from '../log/logger.js';

/** An engine loaded at start; `load` resolves with what was loaded (a model name) for the log. */
export interface WarmTarget {
  name: string;
  load(): Promise<string | undefined | void>;
}

interface WarmState {
  state: 'loading' | 'ready' | 'failed';
  since: number;
  detail?: string;
  fix?: string;
}

/** A retry after a failed load waits this long, so polling /readyz cannot turn into a load loop. */
const RETRY_AFTER_MS = 10_000;

/**
 * Loads the engines a job-running process needs at start, all at once, logging each load, and
 * keeps them: the engines hold their sessions for the life of the process, so after this no job
 * pays a model load. Readiness stays false until every target has loaded; a target that failed
 * (e.g. its model was not pulled yet) is tried again when readiness is next asked for.
 */
export class EngineWarmup {
  private readonly states = new Map<string, WarmState>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly targets: WarmTarget[],
    private readonly logger: Logger,
    private readonly retryAfterMs = RETRY_AFTER_MS,
  ) {}

  /** Resolves when every target has loaded or failed; never rejects (failures are in readiness and the log). */
  async start(): Promise<void> {
    const t0 = performance.now();
    this.logger.info(
      { event: 'engines.loading', engines: this.targets.map((t) => t.name) },
      `loading ${this.targets.length} engine(s): ${this.targets.map((t) => t.name).join(', ')}`,
    );
    await Promise.all(this.targets.map((t) => this.load(t)));
    const failed = this.targets.filter((t) => this.states.get(t.name)?.state !== 'ready').map((t) => t.name);
    const ms = Math.round(performance.now() - t0);
    if (failed.length === 0) this.logger.info({ event: 'engines.ready', duration_ms: ms }, `engines loaded in ${ms} ms`);
    else this.logger.warn({ event: 'engines.incomplete', failed, duration_ms: ms }, `engines not loaded: ${failed.join(', ')}`);
  }

  private load(t: WarmTarget): Promise<void> {
    const running = this.inFlight.get(t.name);
    if (running) return running;
    const t0 = performance.now();
    const before = this.states.get(t.name);
    // A retry that fails the same way again is logged at debug only: readiness probes trigger
    // retries, and a missing model must not write two lines per probe.
    const retry = before?.state === 'failed';
    this.states.set(t.name, { state: 'loading', since: Date.now() });
    this.logger[retry ? 'debug' : 'info']({ event: 'engine.loading', engine: t.name }, `loading ${t.name}`);
    const p = (async () => {
      try {
        const what = await t.load();
        const ms = Math.round(performance.now() - t0);
        this.states.set(t.name, { state: 'ready', since: Date.now(), detail: what ? `${what} loaded` : 'loaded' });
        this.logger.info(
          { event: 'engine.loaded', engine: t.name, duration_ms: ms, ...(what ? { model: what } : {}) },
          `loaded ${t.name} in ${ms} ms`,
        );
      } catch (err) {
        const e = err as Error & { command?: string; fix?: string };
        this.states.set(t.name, { state: 'failed', since: Date.now(), detail: e.message, fix: e.command ?? e.fix });
        this.logger[retry && before?.detail === e.message ? 'debug' : 'warn'](
          { event: 'engine.failed', engine: t.name, reason: e.message },
          `could not load ${t.name}`,
        );
      } finally {
        this.inFlight.delete(t.name);
      }
    })();
    this.inFlight.set(t.name, p);
    return p;
  }

  /** Whether every target is loaded. */
  get ready(): boolean {
    return this.targets.every((t) => this.states.get(t.name)?.state === 'ready');
  }

  private retryIfDue(name: string) {
    const s = this.states.get(name);
    const t = this.targets.find((x) => x.name === name);
    if (t && s?.state === 'failed' && Date.now() - s.since >= this.retryAfterMs) void this.load(t);
  }

  /**
   * The given probes with each warm target's state folded in under the same name (a target with
   * no probe of its own gets one): a probe that fails wins (it names the fix); otherwise a target
   * still loading or failed makes its entry not ready.
   */
  readiness(probes: Record<string, ReadinessProbe>): Record<string, ReadinessProbe> {
    const out: Record<string, ReadinessProbe> = { ...probes };
    for (const t of this.targets) {
      const inner = probes[t.name];
      out[t.name] = async (): Promise<Readiness> => {
        const r: Readiness = inner ? await inner() : { ready: true };
        if (!r.ready) {
          this.retryIfDue(t.name);
          return r;
        }
        const s = this.states.get(t.name);
        if (!s) return { ...r, ready: false, reason: 'not loaded yet' };
        if (s.state === 'ready') return { ...r, reason: r.reason ?? s.detail };
        if (s.state === 'loading') return { ...r, ready: false, reason: `loading for ${Math.round((Date.now() - s.since) / 1000)} s` };
        this.retryIfDue(t.name);
        return { ...r, ready: false, reason: s.detail, fix: s.fix ?? r.fix };
      };
    }
    return out;
  }
}
