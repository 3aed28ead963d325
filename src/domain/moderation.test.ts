import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, type ClassScores, judge, maxScores, moderationPolicy, parseThresholds } from './moderation.js';

const scores = (s: Partial<ClassScores>): ClassScores => ({ Drawing: 0, Hentai: 0, Neutral: 0, Porn: 0, Sexy: 0, ...s });

describe('moderation policy', () => {
  it('defaults to block with the documented thresholds', () => {
    expect(moderationPolicy(undefined, undefined)).toEqual({ mode: 'block', thresholds: DEFAULT_THRESHOLDS });
    expect(DEFAULT_THRESHOLDS).toEqual({ Porn: 0.7, Hentai: 0.7, Sexy: 0.95 });
  });

  it('merges thresholds over the defaults; null turns a class off', () => {
    expect(parseThresholds('{"Porn":0.5,"Sexy":null,"Drawing":0.6}')).toEqual({ Porn: 0.5, Hentai: 0.7, Drawing: 0.6 });
  });

  it('refuses bad modes and thresholds with the variable named', () => {
    expect(() => moderationPolicy('strict', undefined)).toThrow(/OPENSOUL_MODERATION must be one of off, flag, block/);
    expect(() => moderationPolicy('flag', '{"Porn":2}')).toThrow(
      /OPENSOUL_MODERATION_THRESHOLDS threshold of Porn must be a number from 0 to 1/,
    );
    expect(() => moderationPolicy('flag', '{"Nude":0.5}')).toThrow(/unknown class "Nude"/);
    expect(() => moderationPolicy('flag', '[0.5]')).toThrow(/JSON object/);
    expect(() => moderationPolicy('flag', 'Porn=0.5')).toThrow(/JSON object/);
  });

  it('judges the highest score per class over every sample', () => {
    const frames = [scores({ Neutral: 0.9, Porn: 0.1 }), scores({ Porn: 0.75, Neutral: 0.2 }), scores({ Neutral: 1 })];
    const worst = maxScores(frames);
    expect(worst).toEqual(scores({ Neutral: 1, Porn: 0.75 }));
    expect(judge(worst, { mode: 'block', thresholds: DEFAULT_THRESHOLDS })).toEqual({ verdict: 'blocked', classes: ['Porn'] });
    expect(judge(worst, { mode: 'flag', thresholds: DEFAULT_THRESHOLDS })).toEqual({ verdict: 'flagged', classes: ['Porn'] });
    expect(judge(scores({ Sexy: 0.94 }), { mode: 'block', thresholds: DEFAULT_THRESHOLDS })).toEqual({ verdict: 'pass', classes: [] });
  });
});
