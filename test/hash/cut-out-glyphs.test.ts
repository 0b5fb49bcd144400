/**
 * Glyphs cut out of a filled shape (added-ink.ts cutOutTiles): a plus and an exclamation mark knocked out of
 * one filled circle (falco.org's icons, a 32 px and a 20 px SVG) change no ink colour and add no ink, and at
 * the compared size no tile changes past the detail check's limit; only the page one shows where the other
 * is solid ink tells them apart.
 */
import * as assert from 'node:assert/strict';
import { decodeDetail, DEFAULT_MAX_PIXELS, detailDifference } from '../../daemon/hash';
import { cutOutTiles } from '../../daemon/hash/added-ink';
import { verdict } from './verdict';

const GLYPHS = {
  plus: 'M15 8h2v7h7v2h-7v7h-2v-7h-7v-2h7z',
  exclamation: 'M14.5 7h3l-0.6 11h-1.8z M16 20.5a1.75 1.75 0 1 0 0.001 0z',
};

/** A filled circle on a 32-unit grid with `glyph` cut out of it (even-odd fill), stored at `size` px. */
function badge(glyph: keyof typeof GLYPHS, size: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 32 32">` +
      `<path fill-rule="evenodd" fill="#00AEC7" d="M16 0a16 16 0 1 0 0.001 0z ${GLYPHS[glyph]}"/></svg>`,
  );
}

describe('glyphs cut out of a filled shape', function () {
  this.timeout(60_000);

  it('tells apart a plus and an exclamation mark cut out of one circle', async () => {
    const [plus, exclamation] = [badge('plus', 32), badge('exclamation', 20)];
    const v = await verdict(plus, exclamation);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    const d = detailDifference(await decodeDetail(plus, DEFAULT_MAX_PIXELS), await decodeDetail(exclamation, DEFAULT_MAX_PIXELS))!;
    assert.ok(d.changedTile <= 0.5 && d.addedInkTiles === 0 && d.inkColour === 0, `no other measure sees it (${JSON.stringify(d)})`);
    assert.ok(d.cutOutTiles >= 3, `the cut-out glyphs differ (${d.cutOutTiles} tiles)`);
    assert.equal(v.verified, undefined, 'two icons');
  });

  it('keeps one badge drawn at two sizes together', async () => {
    for (const glyph of ['plus', 'exclamation'] as const) {
      const v = await verdict(badge(glyph, 32), badge(glyph, 20));
      assert.ok(v.verified !== undefined, `${glyph}: one icon`);
    }
  });

  it('counts page inside ink, not the gaps a resample fills', () => {
    // 32×32: A all ink but for a one-pixel gap across it and a 6×6 hole; B all ink.
    const w = 32;
    const ink = (holes: (x: number, y: number) => boolean): Uint8Array => {
      const mask = new Uint8Array(w * w);
      for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) mask[y * w + x] = holes(x, y) ? 0 : 1;
      return mask;
    };
    const gap = (_x: number, y: number): boolean => y === 20;
    const hole = (x: number, y: number): boolean => x >= 9 && x < 15 && y >= 9 && y < 15;
    const solid = ink(() => false);
    const withGap = ink(gap);
    assert.equal(cutOutTiles(withGap, solid, withGap, solid, w, w), 0, 'a one-pixel gap between strokes is not cut out');
    const withBoth = ink((x, y) => gap(x, y) || hole(x, y));
    assert.ok(cutOutTiles(withBoth, solid, withBoth, solid, w, w) >= 1, 'a 6×6 hole is');
    assert.equal(cutOutTiles(withBoth, withBoth, withBoth, withBoth, w, w), 0, 'and nothing is cut out of one image against itself');
  });
});
