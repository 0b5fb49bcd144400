/**
 * Candidate keys and the verification stage. The Hamming index holds, per image, its hash and the hashes of
 * its central regions (crop keys); each image searches with its 8 dihedral variant hashes. `compare` is the
 * precision stage: a correlation of the 32×32 thumbnails under the dihedral transform the hashes suggest,
 * and, when that falls short, under a small search of scales and offsets (one image a crop of the other).
 */
import type { Fingerprint } from './decode';
import { dihedralInverse, hammingDistance, THUMB, transformImage } from './pdq';

export interface NearThresholds {
  /** Minimum verified similarity (thumbnail correlation, 0..1] for a near-duplicate. */
  nearSimilarity: number;
  /** Hamming radius (of 256 bits) for the candidate search. */
  candidateRadius: number;
  /** Flips and rotations are accepted only when both images have at least this quality (flat icons are often drawn as mirrors of each other: arrows). */
  dihedralMinQuality: number;
  /** Smallest fraction of each dimension a crop may keep (the alignment search goes down to it). */
  minCropFraction: number;
  /** Images with transparency or at least this flatness are graphics (icons, logos, flags): strict mode (no flips, same colours and tones). */
  graphicFlatness: number;
  /** Strict mode: largest mean chroma difference (per 4×4 cell, 0..255 scale). */
  maxChromaDifference: number;
  /** Strict mode: largest mean luma difference of the thumbnails (0..255). */
  maxLumaDifference: number;
}

export const DEFAULT_NEAR_THRESHOLDS: NearThresholds = {
  nearSimilarity: 0.9,
  candidateRadius: 80,
  dihedralMinQuality: 30,
  minCropFraction: 0.8,
  graphicFlatness: 0.3,
  maxChromaDifference: 12,
  maxLumaDifference: 24,
};

export function candidateRadius(t: NearThresholds): number {
  return t.candidateRadius;
}

function keyAt(bytes: Uint8Array, k: number): Uint8Array {
  return bytes.subarray(32 * k, 32 * k + 32);
}

/** Keys to insert in the Hamming index: the hash and the central-region (crop) hashes. */
export function indexKeys(fp: Fingerprint): Uint8Array[] {
  const keys = [fp.hash];
  for (let k = 0; k < fp.crops.length / 32; k++) keys.push(keyAt(fp.crops, k));
  return keys;
}

/** Keys to search with: the 8 dihedral variants of the hash (variant 0 is the hash). */
export function queryKeys(fp: Fingerprint): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let d = 0; d < 8; d++) keys.push(keyAt(fp.variants, d));
  return keys;
}

interface Stats { mean: number; norm: number; }

function stats(v: ArrayLike<number>): Stats {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, norm: Math.sqrt(q) };
}

/** Pearson correlation of two equally long vectors. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const sa = stats(a);
  const sb = stats(b);
  if (sa.norm < 1e-9 || sb.norm < 1e-9) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - sa.mean) * (b[i] - sb.mean);
  return s / (sa.norm * sb.norm);
}

/** The thumbnail minus its 3×3 box blur: the detail (edges, glyphs) that a plain correlation underweights. */
function highPass(v: ArrayLike<number>): Float64Array {
  return highPassGrid(v, THUMB);
}

/**
 * Similarity of two aligned 32×32 images: plain correlation combined with the high-pass correlation (the
 * smaller of the two for graphics, strict; their mean for photos).
 */
function alignedSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, strict: boolean): number {
  const plain = correlation(a, b);
  if (plain <= 0) return 0;
  const hp = correlation(highPass(a), highPass(b));
  return strict ? Math.min(plain, hp) : (plain + hp) / 2;
}

export function isGraphic(fp: Fingerprint, t: NearThresholds): boolean {
  return fp.transparent || fp.flatness >= t.graphicFlatness;
}

/** Mean absolute chroma difference per cell, over the cells where either image is coloured; 0 if either is grey. */
function chromaDifference(a: Uint8Array, b: Uint8Array): number {
  const colourful = (c: Uint8Array): boolean => c.some((v) => Math.abs(v - 128) > 6);
  if (!colourful(a) || !colourful(b)) return Math.abs(meanOf(a) - meanOf(b)) > 6 ? 255 : 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

function meanOf(v: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.abs(v[i] - 128);
  return s / v.length;
}

const CROP_GRID = 24;

/** Area-averaged resample of the region [x0, x0+w)×[y0, y0+h) of a 32×32 image to CROP_GRID². */
function boxRegion(src: ArrayLike<number>, x0: number, y0: number, w: number, h: number): Float64Array {
  const out = new Float64Array(CROP_GRID * CROP_GRID);
  const sx = w / CROP_GRID;
  const sy = h / CROP_GRID;
  for (let y = 0; y < CROP_GRID; y++) {
    const ya = y0 + y * sy;
    const yb = ya + sy;
    for (let x = 0; x < CROP_GRID; x++) {
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
      out[y * CROP_GRID + x] = s / area;
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
        for (let xx = Math.max(0, x - 1); xx <= Math.min(n - 1, x + 1); xx++) { s += v[yy * n + xx]; c++; }
      }
      out[y * n + x] = v[y * n + x] - s / c;
    }
  }
  return out;
}

/**
 * Best similarity of `small` against regions of `big` (a crop), both brought to a 24×24 grid by area
 * averaging: a coarse search of scales (down to minFraction) and offsets, then a local refinement of the
 * best one (scale and offset steps halved three times).
 */
function bestCropSimilarity(big: Uint8Array, small: Uint8Array, minFraction: number, strict: boolean): number {
  const target = boxRegion(small, 0, 0, THUMB, THUMB);
  const targetHp = highPassGrid(target, CROP_GRID);
  const at = (f: number, fx: number, fy: number): number => {
    f = Math.min(1, Math.max(minFraction, f));
    const size = THUMB * f;
    const range = THUMB - size;
    const region = boxRegion(big, range * Math.min(1, Math.max(0, fx)), range * Math.min(1, Math.max(0, fy)), size, size);
    const plain = correlation(region, target);
    if (plain <= 0) return 0;
    const hp = correlation(highPassGrid(region, CROP_GRID), targetHp);
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
  let df = 0.025, dp = 0.25;
  for (let round = 0; round < 3; round++, df /= 2, dp /= 2) {
    const c = best;
    for (const sf of [-1, 0, 1]) for (const sy of [-1, 0, 1]) for (const sx of [-1, 0, 1]) {
      if (!sf && !sx && !sy) continue;
      const f = c.f + sf * df, fx = c.fx + sx * dp, fy = c.fy + sy * dp;
      const s = at(f, fx, fy);
      if (s > best.s) best = { s, f, fx, fy };
    }
  }
  return best.s;
}

const FLAT_NORM = Math.sqrt(THUMB * THUMB) * 1.5; // thumbnail standard deviation below 1.5 grey levels: a flat image

/**
 * The best similarity in [0, 1] of `a` and `b` over the dihedral transforms their hashes suggest (only the
 * identity unless both images are textured enough) and, unless the plain alignment is already near-perfect,
 * over crops of either image down to `minCropFraction`. `compare` is this, thresholded.
 */
export function similarity(a: Fingerprint, b: Fingerprint, t: NearThresholds): number {
  const sa = stats(a.thumb);
  const sb = stats(b.thumb);
  if (sa.norm < FLAT_NORM || sb.norm < FLAT_NORM) {
    // Flat images: equal only if both are flat and of the same grey.
    if (sa.norm < FLAT_NORM && sb.norm < FLAT_NORM && Math.abs(sa.mean - sb.mean) <= 3) return 1 - Math.abs(sa.mean - sb.mean) / 255;
    return 0;
  }
  const strict = isGraphic(a, t) || isGraphic(b, t);
  if (strict) {
    // Graphics: the same colours and tones, not just the same shapes (folder colours, flags, logo variants).
    if (chromaDifference(a.chroma, b.chroma) > t.maxChromaDifference) return 0;
    if (Math.abs(sa.mean - sb.mean) > t.maxLumaDifference) return 0;
  }
  const dihedral = !strict && Math.min(a.quality, b.quality) >= t.dihedralMinQuality;
  // Distance of a's keys (hash, crops) to b's variant d, the transform that maps b onto a, and of b's crops
  // to a's variant of the inverse transform.
  const ranked: { d: number; dist: number }[] = [];
  for (let d = 0; d < (dihedral ? 8 : 1); d++) {
    const v = keyAt(b.variants, d);
    let dist = hammingDistance(a.hash, v);
    for (let k = 0; k < a.crops.length / 32; k++) dist = Math.min(dist, hammingDistance(keyAt(a.crops, k), v));
    const va = keyAt(a.variants, dihedralInverse(d));
    for (let k = 0; k < b.crops.length / 32; k++) dist = Math.min(dist, hammingDistance(keyAt(b.crops, k), va));
    ranked.push({ d, dist });
  }
  ranked.sort((x, y) => x.dist - y.dist);
  const tries = ranked.slice(0, 2).filter((r, i) => i === 0 || r.dist <= t.candidateRadius);
  let best = 0;
  let bestD = tries[0].d;
  for (const { d } of tries) {
    const s = alignedSimilarity(a.thumb, transformImage(b.thumb, THUMB, d), strict);
    if (s > best) { best = s; bestD = d; }
  }
  if (best >= 0.98) return best;
  // One image a crop of the other: search scales down to minCropFraction, both ways.
  const tb = transformImage(b.thumb, THUMB, bestD);
  return Math.max(best, bestCropSimilarity(a.thumb, tb, t.minCropFraction, strict), bestCropSimilarity(tb, a.thumb, t.minCropFraction, strict));
}

/** Verified similarity in (0, 1] if `a` and `b` are near-duplicates, else undefined. */
export function compare(a: Fingerprint, b: Fingerprint, t: NearThresholds): number | undefined {
  const s = similarity(a, b, t);
  return s >= t.nearSimilarity && s > 0 ? s : undefined;
}
