/**
 * Pictures of other proportions are other pictures (compare.ts proportionsApart): the crop search finds
 * crops that keep the proportions, so two screens of one app at 1.13 and 1.78, or 3.6 and 3.1 (directus/docs),
 * matched only by stretching one onto the other. A crop, a resize and a rotated copy keep the proportions.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { compare, DEFAULT_NEAR_THRESHOLDS, fingerprint } from '../../daemon/hash';
import { photoPixels } from '../fixtures/images';

const T = DEFAULT_NEAR_THRESHOLDS;

async function photo(seed: number): Promise<Buffer> {
  return sharp(photoPixels(seed, 480, 320), { raw: { width: 480, height: 320, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('pictures of other proportions', function () {
  this.timeout(60_000);

  it('tells a photo from its copy stretched to other proportions, and keeps its crop, resize and rotation', async () => {
    for (const seed of [1, 2, 3]) {
      const original = await photo(seed);
      const fo = await fingerprint(original);
      const kept: [string, Buffer][] = [
        ['cropped by 10 %', await sharp(original).extract({ left: 20, top: 14, width: 432, height: 288 }).jpeg().toBuffer()],
        ['halved', await sharp(original).resize(240).jpeg().toBuffer()],
        ['turned a quarter', await sharp(original).rotate(90).jpeg().toBuffer()],
        ['stretched by 14 %', await sharp(original).resize(480, 280, { fit: 'fill' }).jpeg().toBuffer()],
      ];
      for (const [what, copy] of kept) assert.ok(compare(fo, await fingerprint(copy), T) !== undefined, `seed ${seed}: ${what}`);
      const stretched = await sharp(original).resize(480, 240, { fit: 'fill' }).jpeg().toBuffer();
      assert.equal(compare(fo, await fingerprint(stretched), T), undefined, `seed ${seed}: stretched by a third, another picture`);
    }
  });
});
