/**
 * Two JPEGs of one size written with the same quantization tables (verify.ts oneJpegSetting) are compared
 * pixel for pixel, as two lossless images are: title cards of one series with other titles (cilium.io) are two
 * pictures, though as lossy pictures that are not graphics they get no detail check. One card saved again by
 * the same encoder, or at another quality, stays one picture; so does a photograph and its watermarked copy
 * (photographs tolerate local edits: the photo benchmark's watermark).
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { fingerprint, mayBeLocalEdit, oneJpegSetting } from '../../daemon/hash';
import { photoPixels } from '../fixtures/images';
import { verdict } from './verdict';

/** A 928×488 title card: a photo-like backdrop darkened, a title and a part number in white, saved as JPEG. */
async function titleCard(title: string, part: string, quality = 80): Promise<Buffer> {
  const width = 928,
    height = 488;
  const text = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="#141a2e" fill-opacity="0.6"/>` +
      `<text x="260" y="260" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="22" font-weight="bold" fill="#fff">${title}</text>` +
      `<text x="700" y="400" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="24" font-weight="bold" fill="#fff">${part}</text></svg>`,
  );
  return sharp(photoPixels(11, width, height), { raw: { width, height, channels: 3 } })
    .composite([{ input: text }])
    .jpeg({ quality })
    .toBuffer();
}

/** A 928×488 photograph, with a semi-transparent watermark in a corner when `mark` is given, saved as JPEG. */
async function photo(mark?: string): Promise<Buffer> {
  const width = 928,
    height = 488;
  const overlay = mark
    ? [
        {
          input: Buffer.from(
            `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="880" y="450" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="40" font-weight="bold" fill="#fff" fill-opacity="0.6">${mark}</text></svg>`,
          ),
        },
      ]
    : [];
  return sharp(photoPixels(11, width, height), { raw: { width, height, channels: 3 } })
    .composite(overlay)
    .jpeg({ quality: 80 })
    .toBuffer();
}

describe('two JPEGs of one encoder setting', function () {
  this.timeout(60_000);

  it('tells apart two title cards of one series with other titles', async () => {
    const [third, second] = [await titleCard('USAGES AVANCÉS', '3/3'), await titleCard('POLITIQUES RÉSEAUX', '2/3')];
    const [fa, fb] = [await fingerprint(third), await fingerprint(second)];
    assert.ok(oneJpegSetting(fa, fb) && mayBeLocalEdit(fa, fb), 'one size, one set of tables: compared pixel for pixel');
    const v = await verdict(third, second);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.verified, undefined, 'two pictures');
  });

  it('keeps one card saved again, by the same encoder or at another quality', async () => {
    const card = await titleCard('USAGES AVANCÉS', '3/3');
    const resaved = await sharp(card).jpeg({ quality: 80 }).toBuffer();
    assert.notDeepEqual(resaved, card, 'saving again changed the bytes');
    assert.ok(oneJpegSetting(await fingerprint(card), await fingerprint(resaved)), 'with the same tables');
    assert.ok((await verdict(card, resaved)).verified !== undefined, 'saved again: one picture');
    const other = await titleCard('USAGES AVANCÉS', '3/3', 60);
    assert.equal(oneJpegSetting(await fingerprint(card), await fingerprint(other)), false, 'another quality, other tables');
    assert.ok((await verdict(card, other)).verified !== undefined, 'at another quality: one picture');
  });

  it('keeps a photograph and its watermarked copy together', async () => {
    const [plain, marked] = [await photo(), await photo('© Ville de Paris')];
    const [fa, fb] = [await fingerprint(plain), await fingerprint(marked)];
    assert.ok(oneJpegSetting(fa, fb), 'one size, one set of tables');
    assert.equal(mayBeLocalEdit(fa, fb), false, 'but photographs, not compared pixel for pixel');
    assert.ok((await verdict(plain, marked)).verified !== undefined, 'one picture');
  });
});
