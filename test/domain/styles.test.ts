import { describe, expect, it } from 'vitest';
import { buildStyledPrompt, DEFAULT_STYLE_ID, findStyle, findStyleByName, SOUL_STYLES, type SoulStyle } from '../../src/domain/styles.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Soul style catalog', () => {
  it('holds at least 40 presets with unique UUIDs and names and complete fields', () => {
    expect(SOUL_STYLES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(SOUL_STYLES.map((s) => s.id)).size).toBe(SOUL_STYLES.length);
    expect(new Set(SOUL_STYLES.map((s) => s.name.toLowerCase())).size).toBe(SOUL_STYLES.length);
    for (const s of SOUL_STYLES) {
      expect(s.id).toMatch(UUID);
      expect(s.name.length).toBeGreaterThan(0);
      expect(s.description.length).toBeGreaterThan(20);
      expect(s.promptTemplate.split(',').map((p) => p.trim())).toContain('{prompt}');
      expect(s.promptTemplate.split('{prompt}')).toHaveLength(2);
      expect(s.negativePrompt.length).toBeGreaterThan(0);
      expect(s.keywords.length).toBeGreaterThan(0);
    }
  });

  it('includes the ids the seeds and docs name', () => {
    const named: [string, string][] = [
      ['1cb4b936-77bf-4f9a-9039-f3d349a4cdbe', 'Realistic'],
      ['b3c8075a-cb4c-42de-b8b3-7099dd2df672', 'Creatures'],
      ['a5f63c3b-70eb-4979-af5e-98c7ee1e18e8', 'Giant People'],
      ['1fc861ed-5923-41a6-9963-b9f04681dddd', 'Medieval'],
      ['464ea177-8d40-4940-8d9d-b438bab269c7', 'General'],
    ];
    for (const [id, name] of named) expect(findStyle(id)?.name).toBe(name);
    // Seed 003's style_id list.
    for (const id of [
      '40ff999c-f576-443c-b5b3-c7d1391a666e',
      'd2e8ba04-9935-4dee-8bc4-39ac789746fc',
      '6fb3e1f5-d721-4523-ac38-9902f2b2b850',
      'ca4e6ad3-3e93-4e03-81a0-d1722d2c128b',
      '255f4045-d68b-42b1-9e4c-f49d3263a9d7',
      'cc099663-9621-422e-8626-c8ee68953a0c',
    ]) {
      expect(findStyle(id), id).toBeDefined();
    }
    expect(findStyle(DEFAULT_STYLE_ID)?.name).toBe('General');
    expect(findStyle(' 1CB4B936-77BF-4F9A-9039-F3D349A4CDBE ')?.name).toBe('Realistic');
    expect(findStyle('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it("covers seed 000's three looks", () => {
    expect(findStyleByName('DigitalCam')?.promptTemplate).toMatch(/flash.*2007.*date stamp/);
    expect(findStyleByName('Duplicate')?.promptTemplate).toMatch(/mirrored forms/);
    expect(findStyleByName('0.5 Selfie')?.promptTemplate).toMatch(/exaggerated perspective.*background stretched to infinity/);
    expect(findStyleByName('creatures')?.id).toBe('b3c8075a-cb4c-42de-b8b3-7099dd2df672');
  });
});

describe('buildStyledPrompt', () => {
  const style = findStyle('ca4e6ad3-3e93-4e03-81a0-d1722d2c128b')!;
  const user = 'a woman laughing at a party';

  it('strength 0 leaves the prompt unchanged with no negative prompt', () => {
    expect(buildStyledPrompt(`  ${user} `, style, 0)).toEqual({ prompt: user, negativePrompt: '' });
  });

  it('strength 1 is the full template and the full negative prompt', () => {
    const out = buildStyledPrompt(user, style, 1);
    expect(out.prompt).toBe(style.promptTemplate.replace('{prompt}', user));
    expect(out.negativePrompt).toBe(style.negativePrompt);
  });

  it('blends monotonically: more strength only adds phrases, never removes or reorders', () => {
    for (const s of SOUL_STYLES) {
      let previous: string[] = [user];
      let previousNeg: string[] = [];
      for (let i = 0; i <= 20; i++) {
        const out = buildStyledPrompt(user, s, i / 20);
        const parts = out.prompt.split(', ');
        const neg = out.negativePrompt ? out.negativePrompt.split(', ') : [];
        expect(parts).toContain(user);
        expect(
          previous.every((p) => parts.includes(p)),
          `${s.name} at ${i / 20}`,
        ).toBe(true);
        expect(previousNeg.every((p) => neg.includes(p))).toBe(true);
        // Relative order of the phrases follows the template.
        const template = s.promptTemplate.replace('{prompt}', user).split(', ');
        const positions = parts.map((p) => template.indexOf(p));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(parts.length).toBeGreaterThanOrEqual(previous.length);
        previous = parts;
        previousNeg = neg;
      }
    }
  });

  it('half strength keeps about half of the style phrases, most defining first', () => {
    const out = buildStyledPrompt(user, style, 0.5);
    expect(out.prompt).toBe(`${user}, harsh direct on-camera flash, 2007 compact digital camera photo, orange date stamp in the corner`);
    const any = buildStyledPrompt(user, style, 0.01);
    expect(any.prompt).toBe(`${user}, harsh direct on-camera flash`);
    expect(any.negativePrompt.split(', ')).toHaveLength(1);
  });

  it('handles templates with phrases before the prompt, no style, empty prompts, repeats and out-of-range strengths', () => {
    const custom: SoulStyle = {
      id: 'x',
      name: 'x',
      description: 'x',
      promptTemplate: 'film still, {prompt}, grain, teal grade',
      negativePrompt: 'blur',
      keywords: [],
    };
    expect(buildStyledPrompt('a cat', custom, 1).prompt).toBe('film still, a cat, grain, teal grade');
    expect(buildStyledPrompt('a cat', custom, 0.34).prompt).toBe('film still, a cat');
    expect(buildStyledPrompt('', custom, 1).prompt).toBe('film still, grain, teal grade');
    expect(buildStyledPrompt('a cat with film grain', custom, 1).prompt).toBe('film still, a cat with film grain, teal grade');
    expect(buildStyledPrompt('a cat', undefined, 1)).toEqual({ prompt: 'a cat', negativePrompt: '' });
    expect(buildStyledPrompt('a cat', custom, 7)).toEqual(buildStyledPrompt('a cat', custom, 1));
    expect(buildStyledPrompt('a cat', custom, -1)).toEqual({ prompt: 'a cat', negativePrompt: '' });
    expect(() => buildStyledPrompt('a cat', custom, Number.NaN)).toThrow(RangeError);
  });
});
