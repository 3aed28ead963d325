import { describe, expect, it } from 'vitest';
import { KLING_FALLBACK_MOTION, klingMotions, readKlingI2V } from '../../src/domain/kling.js';
import { MOTIONS } from '../../src/domain/motions.js';
import { ValidationError } from '../../src/domain/errors.js';

const id = (name: string) => MOTIONS.find((m) => m.name === name)!.id;

describe('Kling camera language -> motions', () => {
  it("the issue's words: slow push in, orbit left, handheld, crane up, rain", () => {
    const { motions, origin } = klingMotions('slow push in, then orbit left, handheld, crane up in the rain', null, 0.5);
    expect(origin).toBe('prompt');
    expect(motions).toEqual([
      { id: id('Dolly In'), strength: 0.5 },
      { id: id('Orbit Left'), strength: 0.8 },
      { id: id('Handheld'), strength: 0.8 },
      { id: id('Crane Up'), strength: 0.8 },
      { id: id('Rain'), strength: 0.8 },
    ]);
  });

  it('no camera words -> a gentle parallax', () => {
    expect(klingMotions('a cat sleeping on a sofa', null, 0.5)).toEqual({ motions: [KLING_FALLBACK_MOTION], origin: 'fallback' });
    expect(MOTIONS.find((m) => m.id === KLING_FALLBACK_MOTION.id)!.name).toBe('Parallax Float');
  });

  it('cfg_scale scales strengths by 0.5 + cfg (capped at 1); negative_prompt removes motions; transitions are never picked', () => {
    expect(klingMotions('slow zoom in', null, 0).motions).toEqual([{ id: id('Zoom In'), strength: 0.25 }]);
    expect(klingMotions('slow zoom in', null, 1).motions).toEqual([{ id: id('Zoom In'), strength: 0.75 }]);
    expect(klingMotions('fast zoom in', null, 1).motions).toEqual([{ id: id('Zoom In'), strength: 1 }]);
    expect(klingMotions('zoom in with camera shake', 'shaky cam', 0.5).motions).toEqual([{ id: id('Zoom In'), strength: 0.8 }]);
    expect(klingMotions('the face morphs', null, 0.5).origin).toBe('fallback');
  });

  it('reads the body with pydantic issues', () => {
    const k = readKlingI2V({ prompt: 'crane up', image_url: 'https://example.com/a.png', duration: 10 });
    expect(k.dop).toMatchObject({
      tier: 'standard',
      durationS: 10,
      endImageUrl: null,
      requestedModel: 'kling-video/v2.1/pro/image-to-video',
    });
    expect(k.cfgScale).toBe(0.5);
    try {
      readKlingI2V({ image_url: 'nope', duration: '5', cfg_scale: 2, seed: 1 });
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => [i.type, i.loc.join('.')])).toEqual([
        ['missing', 'body.prompt'],
        ['url_parsing', 'body.image_url'],
        ['literal_error', 'body.duration'],
        ['less_than_equal', 'body.cfg_scale'],
        ['extra_forbidden', 'body.seed'],
      ]);
    }
  });
});
