import { describe, expect, it } from 'vitest';
import { DEFAULT_MOTION, MOTIONS } from '../../../src/domain/motions.js';
import { DopInputError } from '../../../src/engine/video/errors.js';
import { chooseMotions, MAX_MOTIONS } from '../../../src/engine/video/motion-choice.js';

const id = (name: string) => MOTIONS.find((m) => m.name === name)!.id;
const names = (c: ReturnType<typeof chooseMotions>) => c.motions.map((m) => [m.preset.name, m.strength]);

describe('chooseMotions', () => {
  it('uses the requested motions, strength defaulting to 1 as in the SDK', () => {
    const c = chooseMotions([{ id: id('Zoom In') }, { id: id('Rain'), strength: 0.3 }], 'pan left', false);
    expect(c.origin).toBe('request');
    expect(names(c)).toEqual([
      ['Zoom In', 1],
      ['Rain', 0.3],
    ]);
    expect(c.transition).toBeNull();
  });

  it('falls back to prompt words, then to the default push-in', () => {
    expect(names(chooseMotions([], 'gentle tilt down', false))).toEqual([['Tilt Down', 0.5]]);
    const d = chooseMotions(undefined, 'a cat on a sofa', false);
    expect(d.origin).toBe('default');
    expect(d.motions.map((m) => [m.preset.id, m.strength])).toEqual([[DEFAULT_MOTION.id, DEFAULT_MOTION.strength]]);
  });

  it('never makes a transition from prompt words without an end image, and keeps the first with one', () => {
    expect(names(chooseMotions([], 'morph into a zoom in', false))).toEqual([['Zoom In', 0.8]]);
    const c = chooseMotions([], 'morph, then zoom through', true);
    expect(names(c)).toEqual([['Morph', 0.8]]);
    expect(c.transition?.preset.name).toBe('Morph');
    expect(chooseMotions([], 'slow zoom in', true).transition?.preset.name).toBe('Morph');
  });

  it('refuses malformed lists', () => {
    expect(() => chooseMotions([{ strength: 1 }], '', false)).toThrow(DopInputError);
    expect(() =>
      chooseMotions(
        Array.from({ length: MAX_MOTIONS + 1 }, () => ({ id: id('Zoom In') })),
        '',
        false,
      ),
    ).toThrow(/at most/);
    expect(() => chooseMotions([{ id: id('Zoom In'), strength: -0.1 }], '', false)).toThrow(/from 0 to 1/);
    expect(() => chooseMotions([{ id: id('Zoom In'), strength: '1' }], '', false)).toThrow(/from 0 to 1/);
  });
});
