// EngineWarmup's log: loads run in parallel with a line each; a target that keeps failing the
// same way on readiness retries is logged once at warn, not once per probe.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { EngineWarmup } from '../../src/services/warmup.js';

describe('EngineWarmup', () => {
  it('loads targets in parallel, logs each, and logs a repeated identical failure once', async () => {
    const lines: { level: number; event: string; engine?: string }[] = [];
    const logger = createLogger({ level: 'info', stream: { write: (s: string) => void lines.push(JSON.parse(s)) } });
    let running = 0;
    let peak = 0;
    const slow = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return 'm';
    };
    const w = new EngineWarmup(
      [
        { name: 'a', load: slow },
        { name: 'b', load: slow },
        {
          name: 'missing',
          load: async () => {
            throw new Error('not installed');
          },
        },
      ],
      logger,
      0,
    );
    await w.start();
    expect(peak).toBe(2);
    expect(w.ready).toBe(false);
    const probes = w.readiness({});
    for (let i = 0; i < 3; i++) {
      expect(await probes.missing()).toMatchObject({ ready: false, reason: 'not installed' });
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await probes.a()).toMatchObject({ ready: true, reason: 'm loaded' });
    const events = lines.map((l) => `${l.event}${l.engine ? ':' + l.engine : ''}`);
    expect(events.filter((e) => e === 'engine.failed:missing')).toHaveLength(1);
    expect(events).toEqual(expect.arrayContaining(['engines.loading', 'engine.loaded:a', 'engine.loaded:b', 'engines.incomplete']));
  });
});
