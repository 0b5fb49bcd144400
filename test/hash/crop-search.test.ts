import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { fingerprint } from '../../daemon/hash';
import { bestCropSimilarity } from '../../daemon/hash/crop-search';
import { THUMB } from '../../daemon/hash/pdq';
import { makePhoto, rng } from '../fixtures/images';

// The former per-cell implementation (compare.ts before the separable rewrite), kept as the reference the
// fast search must reproduce.
const GRID = 24;

function stats(v: ArrayLike<number>): { mean: number; norm: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, norm: Math.sqrt(q) };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const sa = stats(a);
  const sb = stats(b);
  if (sa.norm < 1e-9 || sb.norm < 1e-9) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - sa.mean) * (b[i] - sb.mean);
  return s / (sa.norm * sb.norm);
}

function boxRegion(src: ArrayLike<number>, x0: number, y0: number, w: number, h: number): Float64Array {
  const out = new Float64Array(GRID * GRID);
  const sx = w / GRID;
  const sy = h / GRID;
  for (let y = 0; y < GRID; y++) {
    const ya = y0 + y * sy;
    const yb = ya + sy;
    for (let x = 0; x < GRID; x++) {
      const xa = x0 + x * sx;
      const xb = xa + sx;
      let s = 0;
      let area = 0;
      for (let py = Math.floor(ya); py < Math.ceil(yb) && py < THUMB; py++) {
        const wy = Math.min(yb, py + 1) - Math.max(ya, py);
        for (let px = Math.floor(xa); px < Math.ceil(xb) && px < THUMB; px++) {
          const wgt = wy * (Math.min(xb, px + 1) - Math.max(xa, px));
          s += wgt * src[py * THUMB + px];
          area += wgt;
        }
      }
      out[y * GRID + x] = s / area;
    }
  }
  return out;
}

function highPassGrid(v: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let s = 0;
      let c = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(n - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(n - 1, x + 1); xx++) {
          s += v[yy * n + xx];
          c++;
        }
      }
      out[y * n + x] = v[y * n + x] - s / c;
    }
  }
  return out;
}

function referenceCropSimilarity(big: Uint8Array, small: Uint8Array, minFraction: number, strict: boolean): number {
  const target = boxRegion(small, 0, 0, THUMB, THUMB);
  const targetHp = highPassGrid(target, GRID);
  const at = (f: number, fx: number, fy: number): number => {
    f = Math.min(1, Math.max(minFraction, f));
    const size = THUMB * f;
    const range = THUMB - size;
    const region = boxRegion(big, range * Math.min(1, Math.max(0, fx)), range * Math.min(1, Math.max(0, fy)), size, size);
    const plain = correlation(region, target);
    if (plain <= 0) return 0;
    const hp = correlation(highPassGrid(region, GRID), targetHp);
    return strict ? Math.min(plain, hp) : (plain + hp) / 2;
  };
  let best = { s: 0, f: 1, fx: 0.5, fy: 0.5 };
  for (let f = 0.95; f >= minFraction - 1e-9; f -= 0.05) {
    const steps = Math.max(1, Math.round((THUMB * (1 - f)) / 1.5));
    for (let iy = 0; iy <= steps; iy++) {
      for (let ix = 0; ix <= steps; ix++) {
        const s = at(f, ix / steps, iy / steps);
        if (s > best.s) best = { s, f, fx: ix / steps, fy: iy / steps };
      }
    }
  }
  let df = 0.025,
    dp = 0.25;
  for (let round = 0; round < 3; round++, df /= 2, dp /= 2) {
    const c = best;
    for (const sf of [-1, 0, 1])
      for (const sy of [-1, 0, 1])
        for (const sx of [-1, 0, 1]) {
          if (!sf && !sx && !sy) continue;
          const f = c.f + sf * df,
            fx = c.fx + sx * dp,
            fy = c.fy + sy * dp;
          const s = at(f, fx, fy);
          if (s > best.s) best = { s, f, fx, fy };
        }
  }
  return best.s;
}

function randomThumb(seed: number): Uint8Array {
  const next = rng(seed);
  const out = new Uint8Array(THUMB * THUMB);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

describe('crop search (hash/crop-search)', function () {
  this.timeout(60000);

  it('equals the per-cell reference on random thumbnails, both modes, several minimum fractions', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const a = randomThumb(seed);
      const b = randomThumb(seed + 100);
      for (const minFraction of [0.8, 0.6]) {
        for (const strict of [false, true]) {
          const expected = referenceCropSimilarity(a, b, minFraction, strict);
          assert.ok(Math.abs(bestCropSimilarity(a, b, minFraction, strict) - expected) < 1e-9, `seed ${seed}, ${minFraction}, ${strict}`);
        }
      }
    }
  });

  it('equals the reference on a photo and its crops, and finds the crop', async () => {
    const photo = await makePhoto(7, 400, 300);
    const original = await fingerprint(photo);
    for (const keep of [0.95, 0.85, 0.8]) {
      const w = Math.round(400 * keep),
        h = Math.round(300 * keep);
      const crop = await sharp(photo)
        .extract({ left: Math.round((400 - w) / 2), top: Math.round((300 - h) / 3), width: w, height: h })
        .jpeg()
        .toBuffer();
      const cropped = await fingerprint(crop);
      for (const strict of [false, true]) {
        const expected = referenceCropSimilarity(original.thumb, cropped.thumb, 0.8, strict);
        const found = bestCropSimilarity(original.thumb, cropped.thumb, 0.8, strict);
        assert.ok(Math.abs(found - expected) < 1e-9, `keep ${keep}, strict ${strict}: ${found} vs ${expected}`);
        if (!strict) assert.ok(found > 0.9, `keep ${keep}: the crop is found (${found})`);
      }
    }
  });

  it('gives 0 against a flat image, like the reference', () => {
    const flat = new Uint8Array(THUMB * THUMB).fill(128);
    const textured = randomThumb(3);
    assert.equal(bestCropSimilarity(flat, textured, 0.8, false), referenceCropSimilarity(flat, textured, 0.8, false));
    assert.equal(bestCropSimilarity(textured, flat, 0.8, false), 0);
  });
});
