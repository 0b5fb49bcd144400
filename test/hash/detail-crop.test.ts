/**
 * The detail check of a crop (hash/detail-crop.ts, hash/detail.ts): a transparent drawing and a JPEG export of
 * it cropped by 10 % (cut unevenly, into the drawing) are one drawing — the detail check compares the region
 * of the original that the crop shows, not the two trimmed contents box to box — while the same crop of the
 * drawing with another word stays apart.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { cropAlignment } from '../../daemon/hash/detail-crop';
import { decodeDetail, DEFAULT_MAX_PIXELS, DEFAULT_NEAR_THRESHOLDS } from '../../daemon/hash';
import { verdict } from './verdict';

const WIDTH = 320;
const HEIGHT = 240;

/** A drawing on transparency, as clip-art stamps ship: shaded body, eyes, a mouth, two badges and a word; muted colours. */
function stamp(word: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 320 240">` +
      '<defs><radialGradient id="g" cx="0.4" cy="0.35" r="0.7"><stop offset="0" stop-color="#e0d4bf"/><stop offset="1" stop-color="#8f7b66"/></radialGradient></defs>' +
      '<ellipse cx="160" cy="130" rx="150" ry="105" fill="url(#g)" stroke="#4a2208" stroke-width="6"/>' +
      '<circle cx="95" cy="95" r="30" fill="#fff" stroke="#222" stroke-width="4"/><circle cx="103" cy="98" r="12" fill="#222"/>' +
      '<circle cx="225" cy="95" r="30" fill="#fff" stroke="#222" stroke-width="4"/><circle cx="217" cy="98" r="12" fill="#222"/>' +
      '<path d="M70 170 Q160 230 250 170" fill="none" stroke="#4a2208" stroke-width="8" stroke-linecap="round"/>' +
      '<rect x="20" y="8" width="60" height="40" rx="8" fill="#5d6b5e"/><rect x="240" y="190" width="70" height="44" rx="8" fill="#56606e"/>' +
      `<text x="160" y="150" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="30" font-weight="bold" fill="#222">${word}</text></svg>`,
  );
}

/** The crop: 10 % of each dimension removed, 1/3 of it on the left and 2/3 on top (cutting into the drawing), exported as a JPEG on white. */
const CROP = { left: 10, top: 16, width: 288, height: 216 };

async function croppedJpeg(png: Buffer): Promise<Buffer> {
  return sharp(png).flatten({ background: '#ffffff' }).extract(CROP).jpeg({ quality: 90 }).toBuffer();
}

describe('detail verification of a crop', function () {
  this.timeout(60_000);

  it('keeps a drawing and its cropped JPEG export together', async () => {
    const original = await sharp(stamp('Otter')).png().toBuffer();
    const r = await verdict(original, await croppedJpeg(original));
    assert.ok(r.cheap !== undefined, 'the thumbnails accept the crop');
    assert.equal(r.detail, true, 'the detail check compares the region the crop shows');
    assert.equal(r.verified, r.cheap);
  });

  it('still tells the same crop of the drawing with another word apart', async () => {
    const original = await sharp(stamp('Otter')).png().toBuffer();
    const other = await croppedJpeg(await sharp(stamp('Beaver')).png().toBuffer());
    const r = await verdict(original, other);
    assert.equal(r.detail, false);
    assert.equal(r.verified, undefined);
  });

  it('finds the region of the original that the crop shows, to about a pixel', async () => {
    const original = await sharp(stamp('Otter')).png().toBuffer();
    const [a, b] = await Promise.all([
      decodeDetail(original, DEFAULT_MAX_PIXELS),
      decodeDetail(await croppedJpeg(original), DEFAULT_MAX_PIXELS),
    ]);
    const found = cropAlignment(b, a, DEFAULT_NEAR_THRESHOLDS.minCropFraction);
    assert.ok(found, 'an alignment is found');
    assert.equal(found.side, 'b', 'the region lies in the larger view (the second argument)');
    const expected = { x0: CROP.left, y0: CROP.top, x1: CROP.left + CROP.width, y1: CROP.top + CROP.height };
    for (const k of ['x0', 'y0', 'x1', 'y1'] as const)
      assert.ok(Math.abs(found.region[k] - expected[k]) <= 2, `${k}: ${found.region[k]} vs ${expected[k]}`);
  });

  it('finds no crop alignment between two unrelated drawings', async () => {
    const a = await decodeDetail(await sharp(stamp('Otter')).png().toBuffer(), DEFAULT_MAX_PIXELS);
    const noise = Buffer.alloc(WIDTH * HEIGHT * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    const b = await decodeDetail(
      await sharp(noise, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
        .png()
        .toBuffer(),
      DEFAULT_MAX_PIXELS,
    );
    assert.equal(cropAlignment(a, b, DEFAULT_NEAR_THRESHOLDS.minCropFraction), undefined);
  });
});
