import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readPngText, withPngText } from '../../../src/engine/diffusion/png-text.js';

describe('PNG text chunks', () => {
  it('writes tEXt for Latin-1 and iTXt for other text, and the PNG still decodes', async () => {
    const png = await sharp({ create: { width: 4, height: 3, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const a = withPngText(png, 'parameters', 'a cat, Steps: 2, Seed: 42');
    expect(a.includes(Buffer.from('tEXtparameters\0a cat', 'latin1'))).toBe(true);
    const b = withPngText(a, 'comment', 'кот в шляпе 🐱');
    expect(b.includes(Buffer.from('iTXtcomment', 'latin1'))).toBe(true);
    expect(readPngText(b)).toEqual({ parameters: 'a cat, Steps: 2, Seed: 42', comment: 'кот в шляпе 🐱' });
    const meta = await sharp(b).metadata();
    expect([meta.width, meta.height]).toEqual([4, 3]);
    const pixels = await sharp(b).raw().toBuffer();
    expect(pixels).toEqual(await sharp(png).raw().toBuffer());
    expect(() => withPngText(Buffer.from('nope'), 'k', 'v')).toThrow(/not a PNG/);
  });
});
