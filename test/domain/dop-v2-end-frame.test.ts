import { describe, expect, it } from 'vitest';
import { readDopV2 } from '../../src/domain/dop.js';
import { ValidationError } from '../../src/domain/errors.js';
import { DEFAULT_TRANSITION_ID } from '../../src/domain/motions.js';

const base = { prompt: 'p', image_url: 'https://example.com/a.png' };
const end = 'https://example.com/b.png';
const issues = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as ValidationError).issues.map((i) => [i.type, i.loc.join('.')]);
  }
  return [];
};

describe('DoP v2 end frame spellings and duration (issue 13)', () => {
  it('end_image_url, last_frame_url, image_url_end and input_images_end all name the end frame, on base paths too', () => {
    for (const body of [
      { end_image_url: end },
      { last_frame_url: end },
      { image_url_end: end },
      { input_images_end: [{ type: 'image_url', image_url: end }] },
      { input_images_end: [end] },
    ]) {
      const p = readDopV2({ ...base, ...body }, 'lite', false);
      expect(p.endImageUrl).toBe(end);
      expect(p.motions).toEqual([{ id: DEFAULT_TRANSITION_ID, strength: 1 }]);
      expect(readDopV2({ ...base, ...body }, 'turbo', true).endImageUrl).toBe(end);
    }
  });

  it('first-last-frame needs one of them; two naming different images are refused; bad URLs report their own field', () => {
    expect(issues(() => readDopV2(base, 'lite', true))).toEqual([['missing', 'body.end_image_url']]);
    expect(issues(() => readDopV2({ ...base, end_image_url: end, last_frame_url: 'https://example.com/c.png' }, 'lite', true))).toEqual([
      ['value_error', 'body.last_frame_url'],
    ]);
    expect(readDopV2({ ...base, end_image_url: end, last_frame_url: end }, 'lite', true).endImageUrl).toBe(end);
    expect(issues(() => readDopV2({ ...base, input_images_end: ['nope'] }, 'lite', true))).toEqual([
      ['url_parsing', 'body.input_images_end.0'],
    ]);
  });

  it('duration is an optional integer; DoP renders 5 s only', () => {
    expect(readDopV2({ ...base, duration: 5 }, 'lite', false).tier).toBe('lite');
    expect(issues(() => readDopV2({ ...base, duration: 10 }, 'lite', false))).toEqual([['less_than_equal', 'body.duration']]);
    expect(issues(() => readDopV2({ ...base, duration: 5.5 }, 'lite', false))).toEqual([['int_type', 'body.duration']]);
  });
});
