/**
 * The thumbnail comparison (hash/compare.ts) of photographs under edits that used to push them into the
 * graphics rules or below the threshold: a brightness edit that clips a hazy sky to white (the JPEG copy
 * becomes "flat"), and a copy resized under 32 px (its thumbnail is an upsampling with no detail at 32).
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { compare, DEFAULT_NEAR_THRESHOLDS, fingerprint } from '../../daemon/hash';
import { photoPixels, rng } from '../fixtures/images';

const T = DEFAULT_NEAR_THRESHOLDS;
const SEEDS = [1, 2, 3, 4, 5];

/** A generated photo whose top half is a light, textured haze (not flat), as JPEG. */
async function hazyPhoto(seed: number, width = 320, height = 240): Promise<Buffer> {
  const px = photoPixels(seed, width, height);
  const r = rng(seed);
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width; x++) {
      const v = 215 + Math.round((20 * y) / (height / 2)) + Math.floor(r() * 12);
      for (let c = 0; c < 3; c++) px[3 * (y * width + x) + c] = Math.round(0.15 * px[3 * (y * width + x) + c] + 0.85 * v);
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('thumbnail comparison of edited photographs', function () {
  this.timeout(60_000);

  it('keeps a JPEG photo and its brightened copy (sky clipped to white, so flat) together', async () => {
    for (const seed of SEEDS) {
      const original = await hazyPhoto(seed);
      const brightened = await sharp(original).modulate({ brightness: 1.25 }).jpeg({ quality: 90 }).toBuffer();
      const [a, b] = await Promise.all([fingerprint(original), fingerprint(brightened)]);
      assert.ok(b.flatness >= T.graphicFlatness, `seed ${seed}: the brightened copy is flat (${b.flatness})`);
      const s = compare(a, b, T);
      assert.ok(s !== undefined && s > 0.95, `seed ${seed}: similarity ${s}`);
    }
  });

  it('keeps a small photo and its copy resized under 32 px together', async () => {
    for (const seed of SEEDS) {
      const photo = await sharp(photoPixels(seed, 72, 64), { raw: { width: 72, height: 64, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer();
      const small = await sharp(photo).resize(18).jpeg({ quality: 90 }).toBuffer();
      const [a, b] = await Promise.all([fingerprint(photo), fingerprint(small)]);
      const s = compare(a, b, T);
      assert.ok(s !== undefined && s > 0.94, `seed ${seed}: similarity ${s}`);
    }
  });

  it('still tells two different small photos apart', async () => {
    const photo = (seed: number): Promise<Buffer> =>
      sharp(photoPixels(seed, 72, 64), { raw: { width: 72, height: 64, channels: 3 } })
        .resize(18)
        .jpeg({ quality: 90 })
        .toBuffer();
    for (const seed of SEEDS) {
      const [a, b] = await Promise.all([fingerprint(await photo(seed)), fingerprint(await photo(seed + 100))]);
      assert.equal(compare(a, b, T), undefined, `seeds ${seed} and ${seed + 100}`);
    }
  });
});
