/**
 * Adds a text chunk to a PNG (sharp writes none). Latin-1 text goes in tEXt, anything else in
 * an uncompressed iTXt (UTF-8), as PNG 1.2 prescribes; the chunk sits right after IHDR.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let crcTable: Uint32Array | null = null;
function crc32(buf: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function isLatin1(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- Latin-1 is every code point up to 0xff, controls included
  return /^[\x00-\xff]*$/.test(text);
}

export function withPngText(png: Buffer, keyword: string, text: string): Buffer {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error('PNG text keywords are 1-79 printable Latin-1 characters');
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  const key = Buffer.from(`${keyword}\0`, 'latin1');
  const data = isLatin1(text)
    ? Buffer.concat([key, Buffer.from(text, 'latin1')])
    : // iTXt: keyword\0, compression flag 0, method 0, empty language tag\0, empty translated keyword\0, UTF-8 text.
      Buffer.concat([key, Buffer.from([0, 0, 0, 0]), Buffer.from(text, 'utf8')]);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk(isLatin1(text) ? 'tEXt' : 'iTXt', data), png.subarray(ihdrEnd)]);
}

/** Text chunks of a PNG by keyword (tEXt and uncompressed iTXt); for tests and tooling. */
export function readPngText(png: Buffer): Record<string, string> {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  const out: Record<string, string> = {};
  let o = 8;
  while (o + 12 <= png.length) {
    const len = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    const nul = data.indexOf(0);
    if (type === 'tEXt' && nul > 0) out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    if (type === 'iTXt' && nul > 0 && data[nul + 1] === 0) {
      const lang = data.indexOf(0, nul + 3);
      const trans = data.indexOf(0, lang + 1);
      out[data.toString('latin1', 0, nul)] = data.toString('utf8', trans + 1);
    }
    if (type === 'IEND') break;
    o += 12 + len;
  }
  return out;
}
