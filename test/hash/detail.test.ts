/**
 * Verification of graphics in detail (hash/detail.ts, hash/verify.ts) on generated drawings: colour variants,
 * another word on one layout, another label language on one diagram must be told apart even where the 32×32
 * thumbnails agree; retina pairs and SVG/PNG exports of one drawing must not.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { verdict } from './verdict';

/** A "close" cross drawn with one stroke colour (as icon sets ship one file per colour). */
function closeIcon(colour: string, size = 15): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 15 15"><path fill="none" stroke="${colour}" stroke-linecap="round" stroke-width="2" d="M0 13L13 0M13 13L0 0" transform="translate(1 1)"/></svg>`,
  );
}

/** A title card: one layout, one word that changes. */
function titleCard(title: string, width = 480): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${(width * 9) / 16}" viewBox="0 0 480 270"><rect width="480" height="270" fill="#1a3d6d"/><rect x="20" y="20" width="440" height="6" fill="#f2b134"/><text x="40" y="150" font-family="DejaVu Sans, sans-serif" font-size="56" font-weight="bold" fill="#ffffff">${title}</text><text x="40" y="210" font-family="DejaVu Sans, sans-serif" font-size="22" fill="#c8d6e8">A guide to the project</text></svg>`,
  );
}

/** Two boxes and an arrow, with labels in one language. */
function diagram(left: string, right: string, width = 320): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${width / 2}" viewBox="0 0 320 160"><rect width="320" height="160" fill="#fff"/><rect x="10" y="40" width="120" height="80" fill="#dfe8f5" stroke="#234" stroke-width="3"/><rect x="190" y="40" width="120" height="80" fill="#dfe8f5" stroke="#234" stroke-width="3"/><path d="M130 80 H184 M176 72 L186 80 L176 88" fill="none" stroke="#234" stroke-width="3"/><text x="70" y="90" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="24" font-weight="bold" fill="#123">${left}</text><text x="250" y="90" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="24" font-weight="bold" fill="#123">${right}</text></svg>`,
  );
}

async function png(svg: Buffer): Promise<Buffer> {
  return sharp(svg).png().toBuffer();
}

describe('detail verification of graphics', function () {
  this.timeout(30_000);

  it('tells colour variants of one icon apart, though the thumbnails call them equal', async () => {
    for (const [a, b] of [
      [closeIcon('#73B3E7'), closeIcon('#357AB2')],
      [await png(closeIcon('#73B3E7', 30)), await png(closeIcon('#357AB2', 30))],
    ]) {
      const r = await verdict(a, b);
      assert.ok(r.cheap !== undefined && r.cheap > 0.95, `the thumbnails agree (${r.cheap})`);
      assert.equal(r.detail, false);
      assert.equal(r.verified, undefined);
    }
  });

  it('tells one layout with two different words apart', async () => {
    const r = await verdict(await png(titleCard('Chapter one')), await png(titleCard('Chapter two')));
    assert.equal(r.detail, false);
    assert.equal(r.verified, undefined);
  });

  it('tells one diagram with labels in two languages apart', async () => {
    const r = await verdict(await png(diagram('Client', 'Server')), await png(diagram('Kunde', 'Dienst')));
    assert.equal(r.detail, false);
    assert.equal(r.verified, undefined);
  });

  it('keeps retina pairs and SVG/PNG exports of one drawing together, with the thumbnail similarity', async () => {
    const pairs: Array<[string, Buffer, Buffer]> = [
      ['icon @2x', await png(closeIcon('#357AB2', 30)), await png(closeIcon('#357AB2', 15))],
      ['title card @2x', await png(titleCard('Chapter one', 960)), await png(titleCard('Chapter one'))],
      ['diagram @2x', await png(diagram('Client', 'Server', 640)), await png(diagram('Client', 'Server'))],
      ['SVG and its PNG export', closeIcon('#357AB2', 30), await png(closeIcon('#357AB2', 30))],
    ];
    for (const [name, a, b] of pairs) {
      const r = await verdict(a, b);
      assert.equal(r.detail, true, name);
      assert.ok(r.verified !== undefined, name);
      assert.equal(r.verified, r.cheap, `${name}: the detail check only vetoes; the similarity shown is the measured one`);
    }
  });
});
