/**
 * The similarity graph's candidate search is exact: each newcomer's candidates are exactly the earlier
 * contents a brute-force loop over every pair finds within the radii — its hash near their hash or a crop
 * key, a crop key of its near their hash, silhouettes near each other, a flipped/rotated variant of its hash
 * near their hash (variant radius) — and nothing else (a crop key near a crop key is no candidate).
 */
import * as assert from 'node:assert/strict';
import { makePhoto } from '../fixtures/images';
import { flip, randomKey, rng, slowDistance } from '../fixtures/keys';
import { DEFAULT_NEAR_THRESHOLDS, fingerprint, type Fingerprint } from '../../daemon/hash';
import { SimilarityGraph } from '../../daemon/groups/similarity-graph';

const R = DEFAULT_NEAR_THRESHOLDS.candidateRadius;
const VR = DEFAULT_NEAR_THRESHOLDS.variantRadius;
const IMAGES = 400;

interface Keys {
  hash: Uint8Array;
  crops: Uint8Array[];
  variants: Uint8Array[];
  shape?: Uint8Array;
}

/** A fingerprint with the given keys (the thumbnails of one real photo: verification has work to do). */
function withKeys(base: Fingerprint, k: Keys): Fingerprint {
  const crops = new Uint8Array(32 * k.crops.length);
  k.crops.forEach((c, i) => crops.set(c, 32 * i));
  const variants = new Uint8Array(256);
  variants.set(k.hash, 0);
  k.variants.forEach((v, i) => variants.set(v, 32 * (i + 1)));
  const fp: Fingerprint = { ...base, hash: k.hash, crops, variants };
  if (k.shape) {
    const alpha = new Uint8Array(256);
    for (let b = 0; b < 256; b++) alpha[b] = k.shape[b >> 3] & (0x80 >> (b & 7)) ? 255 : 0;
    Object.assign(fp, { transparent: true, alpha });
  }
  return fp;
}

/** Earlier images that are candidates of image i, by brute force over every pair of keys. */
function oracle(all: Keys[], i: number): number {
  const near = (a: Uint8Array, b: Uint8Array, r: number): boolean => slowDistance(a, b) <= r;
  let count = 0;
  for (let j = 0; j < i; j++) {
    const a = all[i];
    const b = all[j];
    if (
      near(a.hash, b.hash, R) ||
      b.crops.some((c) => near(a.hash, c, R)) ||
      a.crops.some((c) => near(c, b.hash, R)) ||
      (a.shape !== undefined && b.shape !== undefined && near(a.shape, b.shape, R)) ||
      a.variants.some((v) => near(v, b.hash, VR))
    )
      count++;
  }
  return count;
}

describe('similarity graph: exact candidate search', function () {
  this.timeout(180_000);

  it('finds for each newcomer exactly the earlier contents brute force finds within the radii, by kind of key', async () => {
    const base = await fingerprint(await makePhoto(3, 96, 72));
    const cropCount = base.crops.length / 32;
    const next = rng(9);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    /** A distance around `r`: on both sides of the boundary. */
    const around = (r: number): number => r - 6 + Math.floor(next() * 13);
    const all: Keys[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const k: Keys = {
        hash: randomKey(next),
        crops: Array.from({ length: cropCount }, () => randomKey(next)),
        variants: Array.from({ length: 7 }, () => randomKey(next)),
        shape: next() < 0.3 ? randomKey(next) : undefined,
      };
      if (i > 0 && next() < 0.6) {
        const of = all[Math.floor(next() * i)];
        const c = Math.floor(next() * cropCount);
        switch (pick(['hash', 'crop-of', 'contains', 'shape', 'variant', 'crop-crop', 'variant-crop'] as const)) {
          case 'hash':
            k.hash = flip(of.hash, around(R), next);
            break;
          case 'crop-of':
            k.hash = flip(of.crops[c], around(R), next);
            break;
          case 'contains':
            k.crops[c] = flip(of.hash, around(R), next);
            break;
          case 'shape':
            if (of.shape) k.shape = flip(of.shape, around(R), next);
            break;
          case 'variant':
            k.variants[Math.floor(next() * 7)] = flip(of.hash, around(VR), next);
            break;
          // Not candidates: a crop key near a crop key, a variant near a crop key.
          case 'crop-crop':
            k.crops[c] = flip(of.crops[c], 8, next);
            break;
          case 'variant-crop':
            k.variants[Math.floor(next() * 7)] = flip(of.crops[c], 8, next);
            break;
        }
      }
      all.push(k);
    }
    const graph = new SimilarityGraph({ thresholds: DEFAULT_NEAR_THRESHOLDS, maxVerifications: 1, pixelDigest: async () => undefined });
    let expectedTotal = 0;
    for (let i = 0; i < IMAGES; i++) {
      const before = graph.stats.candidates;
      await graph.add(`c${i}`, withKeys(base, all[i]));
      const expected = oracle(all, i);
      expectedTotal += expected;
      assert.equal(
        graph.stats.candidates - before,
        expected,
        `newcomer ${i}: ${graph.stats.candidates - before} candidates, brute force finds ${expected}`,
      );
    }
    // The boundary cases exist: enough pairs within the radii for the equality to mean something.
    assert.ok(expectedTotal >= 60, `only ${expectedTotal} candidate pairs`);
  });
});
