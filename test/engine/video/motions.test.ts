import { describe, expect, it } from 'vitest';
import { DEFAULT_MOTION, DEFAULT_TRANSITION_ID, findMotion, MOTIONS, pickMotionsFromPrompt } from '../../../src/domain/motions.js';

const byName = (name: string) => {
  const m = MOTIONS.find((x) => x.name === name);
  if (!m) throw new Error(`no motion named ${name}`);
  return m;
};

describe('motion library', () => {
  it('has at least 30 presets with unique, stable v4 UUIDs and names', () => {
    expect(MOTIONS.length).toBeGreaterThanOrEqual(30);
    const ids = new Set(MOTIONS.map((m) => m.id));
    expect(ids.size).toBe(MOTIONS.length);
    expect(new Set(MOTIONS.map((m) => m.name)).size).toBe(MOTIONS.length);
    for (const m of MOTIONS) expect(m.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Ids are part of the public API: pin a few.
    expect(byName('Zoom In').id).toBe('99285049-02fb-494c-8737-e174cb263946');
    expect(byName('Pan Left').id).toBe('598453ca-8fcf-48a0-946f-b7b5037d3675');
    expect(byName('Morph').id).toBe('1ed710a9-89da-4383-ad67-807f2fe891ad');
  });

  it('covers the camera moves, ambient and weather effects and transitions of the brief', () => {
    const names = [
      'Zoom In',
      'Zoom Out',
      'Crash Zoom In',
      'Crash Zoom Out',
      'Dolly In',
      'Dolly Out',
      'Dolly Zoom',
      'Pan Left',
      'Pan Right',
      'Tilt Up',
      'Tilt Down',
      'Roll Clockwise',
      'Orbit Left',
      'Orbit Right',
      'Crane Up',
      'Crane Down',
      'Overhead Drift',
      'Whip Pan',
      'Handheld',
      'Parallax Float',
      'Breathing Ambient',
      'Light Sweep',
      'Flicker',
      'Rain',
      'Snow',
      'Dust',
      'Fog Drift',
      'Film Grain',
      'Morph',
      'Zoom Through',
      'Whip Transition',
    ];
    for (const n of names) expect(byName(n)).toBeDefined();
  });

  it('marks exactly the transitions as start_end_frame, and every preset does something', () => {
    for (const m of MOTIONS) {
      expect(m.startEndFrame).toBe(m.category === 'transition');
      expect(m.startEndFrame).toBe(m.transition !== undefined);
      expect(m.camera.length + m.effects.length + (m.transition ? 1 : 0)).toBeGreaterThan(0);
      expect(m.keywords.length).toBeGreaterThan(0);
      expect(m.description.length).toBeGreaterThan(10);
    }
    expect(
      MOTIONS.filter((m) => m.startEndFrame)
        .map((m) => m.transition)
        .sort(),
    ).toEqual(['morph', 'whip', 'zoomThrough']);
  });

  it('finds motions by id, case-insensitively, and nothing else', () => {
    expect(findMotion('99285049-02FB-494C-8737-E174CB263946')?.name).toBe('Zoom In');
    expect(findMotion('motion-1')).toBeUndefined();
    expect(findMotion(DEFAULT_MOTION.id)?.name).toBe('Dolly In');
    expect(findMotion(DEFAULT_TRANSITION_ID)?.startEndFrame).toBe(true);
  });
});

describe('pickMotionsFromPrompt', () => {
  const pick = (p: string) => pickMotionsFromPrompt(p).map((c) => [findMotion(c.id)!.name, c.strength]);

  it('maps camera words to motions with strengths from their adverbs', () => {
    expect(pick('slow push in')).toEqual([['Dolly In', 0.5]]);
    expect(pick('pan left')).toEqual([['Pan Left', 0.8]]);
    expect(pick('The camera pans to the left across the skyline')).toEqual([['Pan Left', 0.8]]);
    expect(pick('A fast crash zoom into her eyes')).toEqual([['Crash Zoom In', 1]]);
    expect(pick('very slow zoom out')).toEqual([['Zoom Out', 0.3]]);
    expect(pick('Dolly-zoom on the hero')).toEqual([['Dolly Zoom', 0.8]]);
    expect(pick('whip pan left to the door')).toEqual([['Whip Pan Left', 0.8]]);
  });

  it('combines several motions in prompt order', () => {
    expect(pick('Camera orbiting the dancer while heavy snow falls')).toEqual([
      ['Orbit Left', 0.8],
      ['Snow', 1],
    ]);
    expect(pick('tilt up, then light rain and film grain')).toEqual([
      ['Tilt Up', 0.8],
      ['Rain', 0.5],
      ['Film Grain', 0.8],
    ]);
  });

  it('returns nothing without camera words', () => {
    expect(pickMotionsFromPrompt('a portrait of a woman smiling in a garden')).toEqual([]);
    expect(pickMotionsFromPrompt('')).toEqual([]);
  });

  it('picks each preset from its own first keyword', () => {
    for (const m of MOTIONS) {
      const ids = pickMotionsFromPrompt(m.keywords[0]).map((c) => c.id);
      expect(ids, m.keywords[0]).toContain(m.id);
    }
  });
});
