/**
 * Lossy copies of a text-heavy graphic stay one picture: a chart card saved as JPEG without chroma
 * subsampling (as a screenshot tool does), then saved again at quality 70 with it, halved, or as lossy WebP.
 * On the lossy screens and graphics of 35 real sites, 37 % of such quality-70 copies were split: JPEG ringing
 * moved the detail check's trimmed box (detail.ts detailDifference, `lossy`), the colour fringes of every
 * glyph, gone at 4:2:0, read as drawn pixels (pixel-alignment.ts lumaOnly), and one-size pairs were held to
 * a tile threshold a re-encoding of text passes (verify.ts atOneSize). Another figure or another colour still
 * makes two pictures.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeExact, fingerprint } from '../../daemon/hash';
import { localEdit, sourcesOf } from '../../daemon/hash/local-edit';
import { verdict } from './verdict';

/** An 800×540 "Top Downloads" card: a title, a bar chart in `bar` and orange, six rows of links and figures. */
function card(figures = 7919, bar = '#1a73e8'): Buffer {
  const text = (x: number, y: number, content: string, size: number, fill: string, weight = 'normal'): string =>
    `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${size}" font-weight="${weight}" fill="${fill}">${content}</text>`;
  const bars = Array.from({ length: 12 }, (_, i) => {
    const height = ((i * 37) % 120) + 40;
    return `<rect x="${60 + 52 * i}" y="${300 - height}" width="30" height="${height}" fill="${i % 3 ? bar : '#e8710a'}"/>`;
  }).join('');
  const rows = Array.from(
    { length: 6 },
    (_, i) =>
      text(60, 350 + 26 * i, `/downloads/report-${2015 + i}.pdf`, 15, '#1a0dab') +
      text(560, 350 + 26 * i, `${(i * figures) % 10000}`, 15, '#d93025', 'bold'),
  ).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="540"><rect width="800" height="540" fill="#fff"/>` +
      text(60, 60, 'Top Downloads', 30, '#202124', 'bold') +
      text(60, 92, 'Total file downloads over the last 30 days', 16, '#5f6368') +
      `${bars}<path d="M50 300H700" stroke="#9aa0a6"/>${rows}</svg>`,
  );
}

/** The card as a screenshot tool saves it: JPEG at quality 100, colour kept at full resolution (4:4:4). */
function screenshot(svg: Buffer): Promise<Buffer> {
  return sharp(svg).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}

describe('lossy copies of a text-heavy graphic', function () {
  this.timeout(60_000);

  it('keeps a card with its copies saved again at quality 70, halved, and as lossy WebP', async () => {
    const original = await screenshot(card());
    const copies: [string, Buffer][] = [
      ['saved again at quality 70 (4:2:0)', await sharp(original).jpeg({ quality: 70 }).toBuffer()],
      ['halved, JPEG quality 85', await sharp(original).resize(400).jpeg({ quality: 85 }).toBuffer()],
      ['600 px, lossy WebP', await sharp(original).resize(600).webp().toBuffer()],
    ];
    for (const [what, copy] of copies) {
      const v = await verdict(original, copy);
      assert.ok(v.verified !== undefined && v.verified === v.cheap, `${what}: one picture`);
    }
  });

  it('compares two lossy rasters by their light: a re-save at 4:2:0 changes the colour of every glyph fringe, not its light', async () => {
    const original = await screenshot(card());
    const copy = await sharp(original).jpeg({ quality: 70 }).toBuffer();
    const [fa, fb] = [await fingerprint(original), await fingerprint(copy)];
    assert.equal(sourcesOf(fa, fb), 'lossy');
    const edit = localEdit(await decodeExact(original), await decodeExact(copy), 'lossy');
    assert.ok(edit !== undefined, 'aligned');
    assert.equal(edit.differingShare, 0, 'no pixel differs in light past the threshold');
  });

  it('still tells apart a card with other figures, and one with its bars in another colour', async () => {
    const original = await screenshot(card());
    const others: [string, Buffer][] = [
      ['other figures, quality 90 (4:2:0)', await sharp(card(6007)).jpeg({ quality: 90 }).toBuffer()],
      ['green bars, quality 90 (4:2:0)', await sharp(card(7919, '#0b8043')).jpeg({ quality: 90 }).toBuffer()],
      ['magenta bars, same setting', await screenshot(card(7919, '#c2185b'))],
    ];
    for (const [what, other] of others) {
      const v = await verdict(original, other);
      assert.ok(v.cheap !== undefined, `${what}: the thumbnails agree`);
      assert.equal(v.verified, undefined, `${what}: two pictures`);
    }
  });
});
