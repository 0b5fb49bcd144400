/**
 * The cheap rejection before the crop search (compare.ts, CROP_SEARCH_MAX_KEY_DISTANCE): on generated photos,
 * their crops, resizes and edits, and on icons, every verdict is the one the unconditional search gives, and
 * the pairs the gate spares differ from the unconditional measure only below the threshold.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { compare, fingerprint, type Fingerprint } from '../../daemon/hash';
import { similarity } from '../../daemon/hash/compare';
import { DEFAULT_NEAR_THRESHOLDS, type NearThresholds } from '../../daemon/hash/thresholds';
import { makeIcon, makePhoto } from '../fixtures/images';

const GATED: NearThresholds = DEFAULT_NEAR_THRESHOLDS;
/** No key is further than 256 bits: the search always runs (the behaviour before the gate). */
const ALWAYS: NearThresholds = { ...DEFAULT_NEAR_THRESHOLDS, cropSearchMaxKeyDistance: 256 };

/** A crop keeping `keep` of each dimension, at the given relative offset, as PNG. */
async function crop(image: Buffer, keep: number, fx: number, fy: number): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const w = Math.round(width * keep);
  const h = Math.round(height * keep);
  return sharp(image)
    .extract({ left: Math.round((width - w) * fx), top: Math.round((height - h) * fy), width: w, height: h })
    .png()
    .toBuffer();
}

describe('crop search gate (hash/compare)', function () {
  this.timeout(120_000);

  it('gives the verdicts of the unconditional crop search, and is used', async () => {
    const images: Buffer[] = [];
    for (let seed = 1; seed <= 6; seed++) {
      const photo = await makePhoto(seed);
      images.push(
        photo,
        await crop(photo, 0.95, 0.5, 0.5),
        await crop(photo, 0.9, 0, 1),
        await crop(photo, 0.85, 1, 0),
        await sharp(photo).resize(160).jpeg({ quality: 70 }).toBuffer(),
        await sharp(photo).modulate({ brightness: 1.2 }).jpeg().toBuffer(),
      );
    }
    for (let seed = 1; seed <= 4; seed++) images.push(await makeIcon(seed, 64, seed), await makeIcon(seed, 48, seed));
    const prints: Fingerprint[] = await Promise.all(images.map((b) => fingerprint(b)));

    let spared = 0;
    let verified = 0;
    for (let i = 0; i < prints.length; i++) {
      for (let j = i + 1; j < prints.length; j++) {
        const gated = compare(prints[i], prints[j], GATED);
        const always = compare(prints[i], prints[j], ALWAYS);
        assert.equal(gated, always, `pair ${i}–${j}: gated ${gated}, unconditional ${always}`);
        if (always !== undefined) verified++;
        const sg = similarity(prints[i], prints[j], GATED);
        const sa = similarity(prints[i], prints[j], ALWAYS);
        if (sg !== sa) {
          spared++;
          assert.ok(
            sg < 0.3 && sa < DEFAULT_NEAR_THRESHOLDS.nearSimilarity - DEFAULT_NEAR_THRESHOLDS.photoMargin,
            `pair ${i}–${j}: ${sg} vs ${sa}`,
          );
        }
      }
    }
    // Most of each photo's crops and edits verify with it (15 pairs a photo: 62 of the 90 today), and pairs of
    // different photos are spared the search.
    assert.ok(verified >= 6 * 8, `only ${verified} pairs verified`);
    assert.ok(spared > 0, 'the gate never spared a search');
  });
});
