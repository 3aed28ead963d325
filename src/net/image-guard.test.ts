import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageRejectedError, inspectImage, readHeaderDimensions, sniffImageType, type ImageLimits } from './image-guard.js';

const limits: ImageLimits = { maxBytes: 5 * 1024 * 1024, maxPixels: 4096 * 4096 };

// A noisy picture so that codecs cannot shrink it to nothing; deterministic.
function noise(width: number, height: number): sharp.Sharp {
  const raw = Buffer.alloc(width * height * 3);
  let x = 12345;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A well-formed PNG (valid CRCs) whose IHDR declares huge dimensions over a few bytes of data. */
function craftedPngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function webpChunkType(b: Buffer): string {
  return b.subarray(12, 16).toString('ascii');
}

async function expectRejected(p: Promise<unknown>, code: ImageRejectedError['code']): Promise<void> {
  const err = await p.then(
    () => {
      throw new Error(`expected ImageRejectedError ${code}, but the image was accepted`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageRejectedError);
  expect((err as ImageRejectedError).code).toBe(code);
}

const img: Record<string, Buffer> = {};
beforeAll(async () => {
  const src = noise(320, 200);
  img.jpeg = await src.clone().jpeg({ quality: 80 }).toBuffer();
  img.jpegProgressive = await src.clone().jpeg({ progressive: true }).withIccProfile('srgb').toBuffer();
  img.png = await src.clone().png().toBuffer();
  img.webpLossy = await src.clone().webp({ quality: 70 }).toBuffer();
  img.webpLossless = await src.clone().webp({ lossless: true }).toBuffer();
  img.webpExtended = await src.clone().ensureAlpha(0.5).webp({ quality: 70 }).withIccProfile('srgb').toBuffer();
});

describe('sniffImageType', () => {
  it('recognises the three accepted formats from their bytes', () => {
    expect(sniffImageType(img.jpeg)).toBe('image/jpeg');
    expect(sniffImageType(img.png)).toBe('image/png');
    expect(sniffImageType(img.webpLossy)).toBe('image/webp');
    expect(sniffImageType(img.webpLossless)).toBe('image/webp');
  });

  it('returns null for anything else, however it is named', () => {
    expect(sniffImageType(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBeNull();
    expect(sniffImageType(Buffer.from('BM\x00\x00', 'latin1'))).toBeNull();
    expect(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffImageType(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'))).toBeNull();
    expect(sniffImageType(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(sniffImageType(Buffer.alloc(0))).toBeNull();
  });
});

describe('inspectImage accepts real images', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['jpegProgressive', 'image/jpeg'],
    ['png', 'image/png'],
    ['webpLossy', 'image/webp'],
    ['webpLossless', 'image/webp'],
    ['webpExtended', 'image/webp'],
  ])('%s', async (name, type) => {
    await expect(inspectImage(img[name], limits)).resolves.toEqual({ contentType: type, width: 320, height: 200 });
  });

  it('covers all three WebP bitstream headers', () => {
    expect(webpChunkType(img.webpLossy)).toBe('VP8 ');
    expect(webpChunkType(img.webpLossless)).toBe('VP8L');
    expect(webpChunkType(img.webpExtended)).toBe('VP8X');
  });

  it('reads dimensions from the header alone', () => {
    // The first 1 KiB of each file is enough: no pixel data is needed.
    expect(readHeaderDimensions(img.png.subarray(0, 33), 'image/png')).toEqual({ width: 320, height: 200 });
    expect(readHeaderDimensions(img.webpLossless.subarray(0, 30), 'image/webp')).toEqual({ width: 320, height: 200 });
    expect(readHeaderDimensions(img.jpegProgressive.subarray(0, 4096), 'image/jpeg')).toEqual({ width: 320, height: 200 });
  });
});

describe('inspectImage refuses', () => {
  it('files over maxBytes', async () => {
    await expectRejected(inspectImage(img.png, { ...limits, maxBytes: img.png.length - 1 }), 'too_large');
    await expect(inspectImage(img.png, { ...limits, maxBytes: img.png.length })).resolves.toMatchObject({ width: 320 });
  });

  it('a crafted PNG bomb declaring 100000x100000 in a tiny file, from its header', async () => {
    const bomb = craftedPngBomb(100_000, 100_000);
    expect(bomb.length).toBeLessThan(200);
    expect(readHeaderDimensions(bomb, 'image/png')).toEqual({ width: 100_000, height: 100_000 });
    await expectRejected(inspectImage(bomb, limits), 'too_many_pixels');
  });

  it('a PNG whose header declares more pixels than its data holds, within the limits', async () => {
    await expectRejected(inspectImage(craftedPngBomb(1000, 1000), limits), 'corrupt');
  });

  it('a real highly compressible image over the pixel limit', async () => {
    const flat = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(flat.length).toBeLessThan(100_000);
    await expectRejected(inspectImage(flat, { ...limits, maxPixels: 2000 * 2000 }), 'too_many_pixels');
  });

  it('JPEG and WebP headers patched to declare huge dimensions', async () => {
    const jpeg = Buffer.from(img.jpeg);
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    jpeg.writeUInt16BE(65000, sof + 5); // height
    jpeg.writeUInt16BE(65000, sof + 7); // width
    await expectRejected(inspectImage(jpeg, limits), 'too_many_pixels');

    const webp = Buffer.from(img.webpExtended);
    webp.writeUIntLE(16383, 24, 3);
    webp.writeUIntLE(16383, 27, 3);
    await expectRejected(inspectImage(webp, limits), 'too_many_pixels');
  });

  it('images over maxWidth or maxHeight', async () => {
    await expectRejected(inspectImage(img.png, { ...limits, maxWidth: 319 }), 'too_many_pixels');
    await expectRejected(inspectImage(img.png, { ...limits, maxHeight: 199 }), 'too_many_pixels');
    await expect(inspectImage(img.png, { ...limits, maxWidth: 320, maxHeight: 200 })).resolves.toMatchObject({ height: 200 });
  });

  it.each(['jpeg', 'png', 'webpLossy', 'webpLossless'])('a truncated %s', async (name) => {
    const b = img[name];
    await expectRejected(inspectImage(b.subarray(0, Math.floor(b.length * 0.7)), limits), 'corrupt');
  });

  it('headers cut short and garbage behind valid magic bytes', async () => {
    await expectRejected(inspectImage(img.png.subarray(0, 20), limits), 'corrupt');
    await expectRejected(inspectImage(img.webpLossy.subarray(0, 16), limits), 'corrupt');
    await expectRejected(inspectImage(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(500, 0x41)]), limits), 'corrupt');
  });

  it('a PNG whose header disagrees with its pixel data', async () => {
    const png = Buffer.from(img.png);
    png.writeUInt32BE(321, 16); // width; the IHDR CRC no longer matches either
    await expectRejected(inspectImage(png, limits), 'corrupt');
  });

  it('unsupported types, whatever they claim to be', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .gif()
      .toBuffer();
    const tiff = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .tiff()
      .toBuffer();
    for (const b of [gif, tiff, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), Buffer.alloc(0)]) {
      await expectRejected(inspectImage(b, limits), 'unsupported_type');
    }
  });
});
