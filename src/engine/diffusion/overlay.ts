/**
 * Overlay copy on a slide: a dark band at the bottom and the text, wrapped and centred, drawn by
 * libvips' SVG renderer (sharp) in the system sans-serif font.
 */
import sharp from 'sharp';

/** Text as SVG character data or an attribute value. */
export const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Greedy word wrap to at most `perLine` characters a line. */
export function wrapText(text: string, perLine: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (!line) line = word;
    else if (line.length + 1 + word.length <= perLine) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Returns a PNG of `image` with `text` over its lower part. */
export async function renderOverlay(image: Buffer, text: string): Promise<Buffer> {
  const { width = 1080, height = 1350 } = await sharp(image).metadata();
  const fontSize = Math.round(width / 16);
  const perLine = Math.max(8, Math.floor((width * 0.86) / (fontSize * 0.55)));
  const lines = wrapText(text, perLine).slice(0, 5);
  const lineHeight = Math.round(fontSize * 1.25);
  const band = lines.length * lineHeight + fontSize * 2;
  const top = height - band;
  const tspans = lines
    .map(
      (l, i) =>
        `<text x="50%" y="${top + fontSize * 1.3 + i * lineHeight}" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="${fontSize}" fill="#ffffff">${escapeXml(l)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="0" y="${top}" width="${width}" height="${band}" fill="#000000" fill-opacity="0.55"/>${tspans}</svg>`;
  return sharp(image)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png({ compressionLevel: 4 })
    .toBuffer();
}
