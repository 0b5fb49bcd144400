/**
 * The verification stage (the candidate keys that lead to it: candidate-keys.ts). `compare` is the
 * precision stage: a correlation of the 32×32 thumbnails under the dihedral transform the hashes suggest,
 * and, when that falls short, under a small search of scales and offsets (one image a crop of the other).
 */
import type { Fingerprint } from './decode';
import { sameSize } from './canvas-size';
import { bestCropSimilarity } from './crop-search';
import { dihedralInverse, hammingDistance, THUMB, transformImage } from './pdq';
import { keyAt } from './candidate-keys';
import type { NearThresholds } from './thresholds';

interface Stats {
  mean: number;
  norm: number;
}

function stats(v: ArrayLike<number>): Stats {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, norm: Math.sqrt(q) };
}

/** Pearson correlation of two equally long vectors. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const sa = stats(a);
  const sb = stats(b);
  if (sa.norm < 1e-9 || sb.norm < 1e-9) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - sa.mean) * (b[i] - sb.mean);
  return s / (sa.norm * sb.norm);
}

/**
 * Similarity of two aligned 32×32 images: plain correlation combined with the high-pass correlation (the
 * smaller of the two for graphics, strict; their mean for photos), on a g×g grid (see comparisonGrid).
 */
function alignedSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, strict: boolean, g = THUMB): number {
  if (g < THUMB) {
    a = areaResample(a, THUMB, 0, 0, THUMB, THUMB, g);
    b = areaResample(b, THUMB, 0, 0, THUMB, THUMB, g);
  }
  const plain = correlation(a, b);
  if (plain <= 0) return 0;
  const hp = correlation(highPassGrid(a, g), highPassGrid(b, g));
  return strict ? Math.min(plain, hp) : (plain + hp) / 2;
}

/** Images are not compared on a grid coarser than this, however small. */
const MIN_GRID = 8;

/**
 * The grid two aligned thumbnails are compared on: the thumbnail's, or the smaller image's own resolution when
 * it has fewer pixels than that. A 16-pixel image upsampled to 32×32 has no detail at 32; the other image's
 * edges there, sharp where its own are interpolated, would count as a difference (a photo resized to a
 * quarter, an icon and its small size).
 */
function comparisonGrid(a: Fingerprint, b: Fingerprint): number {
  return Math.max(MIN_GRID, Math.min(THUMB, a.width, a.height, b.width, b.height));
}

/** Lossless images no larger than this (both sides) are graphics whatever their flatness (upsampled to 64×64 they look smooth): favicons, flags. */
const SMALL_IMAGE = 64;

export function isGraphic(fp: Fingerprint, t: NearThresholds): boolean {
  return fp.transparent || fp.flatness >= t.graphicFlatness || (fp.lossless && Math.max(fp.width, fp.height) <= SMALL_IMAGE);
}

/**
 * A pair compared as graphics (strict: same colours and tones, no flips): either side a graphic, unless both
 * are opaque lossy images. Two JPEGs are photographs, as they are for the detail check (verify.ts): a JPEG's
 * flatness can come from an edit — highlights clipped to white by a brightness change — not from drawing.
 */
function graphicsPair(a: Fingerprint, b: Fingerprint, t: NearThresholds): boolean {
  const lossyPhoto = (f: Fingerprint): boolean => !f.lossless && !f.transparent;
  if (lossyPhoto(a) && lossyPhoto(b)) return false;
  return isGraphic(a, t) || isGraphic(b, t);
}

/**
 * Largest mean absolute luma difference over the 4×4-pixel blocks of two aligned 32×32 thumbnails, after
 * fitting one to the other (brightness, contrast): a glyph or emblem that differs (folder-documents vs folder-music) is
 * a local difference that a global correlation barely sees.
 */
export function maxBlockDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // b fitted to a by least squares (a ≈ α·b + β): brightness and contrast changes are global, not local.
  const sa = stats(a);
  const sb = stats(b);
  let cov = 0;
  for (let i = 0; i < a.length; i++) cov += (a[i] - sa.mean) * (b[i] - sb.mean);
  const alpha = sb.norm > 1e-9 ? cov / (sb.norm * sb.norm) : 1;
  let worst = 0;
  for (let by = 0; by < THUMB; by += 4) {
    for (let bx = 0; bx < THUMB; bx += 4) {
      let s = 0;
      for (let y = by; y < by + 4; y++) {
        for (let x = bx; x < bx + 4; x++) s += Math.abs(a[y * THUMB + x] - sa.mean - alpha * (b[y * THUMB + x] - sb.mean));
      }
      worst = Math.max(worst, s / 16);
    }
  }
  return worst;
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

/** The n×n grid minus its 3×3 box blur: the detail (edges, glyphs) that a plain correlation underweights. */
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

/** Area-averaged resample of the region [x0, x0+w)×[y0, y0+h) of an n×n image to g×g. */
export function areaResample(src: ArrayLike<number>, n: number, x0: number, y0: number, w: number, h: number, g: number): Float64Array {
  const out = new Float64Array(g * g);
  const sx = w / g;
  const sy = h / g;
  for (let y = 0; y < g; y++) {
    const ya = y0 + y * sy;
    const yb = ya + sy;
    for (let x = 0; x < g; x++) {
      const xa = x0 + x * sx;
      const xb = xa + sx;
      let s = 0;
      let area = 0;
      for (let py = Math.floor(ya); py < Math.ceil(yb) && py < n; py++) {
        const wy = Math.min(yb, py + 1) - Math.max(ya, py);
        for (let px = Math.floor(xa); px < Math.ceil(xb) && px < n; px++) {
          const wgt = wy * (Math.min(xb, px + 1) - Math.max(xa, px));
          s += wgt * src[py * n + px];
          area += wgt;
        }
      }
      out[y * g + x] = area > 0 ? s / area : 0;
    }
  }
  return out;
}

const FULL_BOX = Uint8Array.of(0, 0, 64, 64);

/** The content (bounding box of the visible pixels) of an n×n plane of `fp`, resampled to g×g. */
function content(fp: Fingerprint, plane: ArrayLike<number>, n: number, g: number): Float64Array {
  const b = fp.bbox && fp.bbox.length === 4 ? fp.bbox : FULL_BOX;
  const k = n / 64;
  return areaResample(plane, n, b[0] * k, b[1] * k, (b[2] - b[0]) * k, (b[3] - b[1]) * k, g);
}

function channel(chroma8: Uint8Array, c: number): Uint8Array {
  const out = new Uint8Array(64);
  for (let i = 0; i < 64; i++) out[i] = chroma8[2 * i + c];
  return out;
}

/** Mean per-cell Euclidean distance of two (Cb, Cr) grids of equal size (values around 128). */
function chromaDistance(acb: ArrayLike<number>, acr: ArrayLike<number>, bcb: ArrayLike<number>, bcr: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < acb.length; i++) s += Math.hypot(acb[i] - bcb[i], acr[i] - bcr[i]);
  return s / acb.length;
}

/** Largest chroma magnitude of any cell of the 8×8 grid. */
function colourfulness(chroma8: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < 64; i++) m = Math.max(m, Math.hypot(chroma8[2 * i] - 128, chroma8[2 * i + 1] - 128));
  return m;
}

function meanAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/**
 * Graphics colour check on the 8×8 chroma grids: false when the two differ in hue (folder colours, flags) or
 * one is grey and the other colourful (a "symbolic" icon). Same-size images are compared cell by cell;
 * transparent images of different sizes on their content boxes.
 */
function sameColours(a: Fingerprint, b: Fingerprint, t: NearThresholds): boolean {
  if (!a.chroma8 || !b.chroma8) return true;
  const ca = colourfulness(a.chroma8);
  const cb = colourfulness(b.chroma8);
  if (Math.min(ca, cb) < 4) return !(a.transparent && b.transparent && Math.max(ca, cb) > 16);
  if (sameSize(a, b) || !a.transparent || !b.transparent) {
    return (
      chromaDistance(channel(a.chroma8, 0), channel(a.chroma8, 1), channel(b.chroma8, 0), channel(b.chroma8, 1)) <=
      t.maxFineChromaDifference
    );
  }
  const g = 8;
  const d = chromaDistance(
    content(a, channel(a.chroma8, 0), 8, g),
    content(a, channel(a.chroma8, 1), 8, g),
    content(b, channel(b.chroma8, 0), 8, g),
    content(b, channel(b.chroma8, 1), 8, g),
  );
  return d <= t.maxFineChromaDifference;
}

const SIZE_GRID = 16;
/** Content boxes whose aspect ratios differ by more than this factor (log) are different drawings. */
const MAX_ASPECT_LOG = 0.15;
/** Same-size graphics: largest local luma difference (see maxBlockDifference). */
const MAX_BLOCK_DIFFERENCE = 24;

/**
 * One icon at two sizes the theme ships: both transparent, of different sizes. The content boxes (themes pad
 * their sizes differently) are compared at 16×16 — the scale of the hand-drawn small sizes — by correlation
 * of the luma, and the alpha masks must agree. Returns 0 when the masks or tones disagree.
 */
function crossSizeSimilarity(a: Fingerprint, b: Fingerprint, t: NearThresholds): number {
  if (!a.alpha || !b.alpha || a.alpha.length !== 256 || b.alpha.length !== 256) return 0;
  const g = SIZE_GRID;
  const aspect = (f: Fingerprint): number => {
    const bb = f.bbox && f.bbox.length === 4 ? f.bbox : FULL_BOX;
    return ((bb[2] - bb[0]) * f.width) / Math.max(1, (bb[3] - bb[1]) * f.height);
  };
  if (Math.abs(Math.log(aspect(a) / aspect(b))) > MAX_ASPECT_LOG) return 0;
  const alphaCorr = correlation(content(a, a.alpha, 16, g), content(b, b.alpha, 16, g));
  if (alphaCorr < t.minAlphaCorrelation) return 0;
  const la = content(a, a.thumb, THUMB, g);
  const lb = content(b, b.thumb, THUMB, g);
  if (meanAbsDifference(la, lb) > t.maxLumaDifference) return 0;
  const sa = stats(la);
  const sb = stats(lb);
  // Light glyphs on transparency (a white logo) leave a flat luma: the shape is all there is.
  if (sa.norm < FLAT_NORM / 2 && sb.norm < FLAT_NORM / 2) return alphaCorr;
  return Math.min(correlation(la, lb), Math.max(alphaCorr, 0));
}

const FLAT_NORM = Math.sqrt(THUMB * THUMB) * 1.5; // thumbnail standard deviation below 1.5 grey levels: a flat image

/**
 * The best similarity in [0, 1] of `a` and `b` over the dihedral transforms their hashes suggest (only the
 * identity unless both images are textured enough) and, unless the plain alignment is already near-perfect,
 * over crops of either image down to `minCropFraction`. `compare` is this, thresholded.
 */
export function similarity(a: Fingerprint, b: Fingerprint, t: NearThresholds): number {
  const graphics = graphicsPair(a, b, t);
  if (graphics && !sameColours(a, b, t)) return 0;
  if (proportionsApart(a, b, graphics)) return 0;
  const crossSize = a.transparent && b.transparent && !sameSize(a, b) ? crossSizeSimilarity(a, b, t) : 0;
  return Math.max(crossSize, pixelSimilarity(a, b, t));
}

/**
 * Two images of other proportions (their aspect ratios more than MAX_ASPECT_LOG apart) are other pictures: for
 * graphics, a logo and the logo with its name beside it; for any picture, the crop search finds a crop that
 * keeps the proportions (one fraction of both sides), so a match across proportions stretches one picture
 * onto another. On the 35 labelled sites every pair further apart than 0.15 is `different` (other screens of
 * one app at 1.13 and 1.78, 3.6 and 3.1: directus/docs; trace views, linkerd's books app), the nearest `same`
 * pair 0.144 (a logo on two canvases). A flipped or rotated copy (not for graphics) is measured turned.
 */
function proportionsApart(a: Fingerprint, b: Fingerprint, graphics: boolean): boolean {
  const apart = (ratio: number): boolean => Math.abs(Math.log(ratio)) > MAX_ASPECT_LOG;
  const upright = apart((a.width * b.height) / (a.height * b.width));
  return upright && (graphics || apart((a.width * b.width) / (a.height * b.height)));
}

/**
 * The cheap rejection before the crop search. Measured on every pair that reached the search (6 753: the
 * accuracy bench, the photo benchmark scan, realworld 18f and gentelella), the search changed the verdict
 * of 870; of those, the ones with a plain alignment under 0.3 all had a key within 92 bits (the closest of
 * hash↔hash and crop key↔hash, under the transform compared), and the ones with no key within 92 bits all
 * had a plain alignment of at least 0.62. 1 644 pairs had neither a key within CROP_SEARCH_MAX_KEY_DISTANCE
 * nor a plain alignment of CROP_SEARCH_MIN_PLAIN (margins: 12 bits, 0.32), and their search never changed a
 * verdict: such a pair is not a crop.
 */
export const CROP_SEARCH_MAX_KEY_DISTANCE = 104;
export const CROP_SEARCH_MIN_PLAIN = 0.3;

function pixelSimilarity(a: Fingerprint, b: Fingerprint, t: NearThresholds): number {
  const sa = stats(a.thumb);
  const sb = stats(b.thumb);
  if (sa.norm < FLAT_NORM || sb.norm < FLAT_NORM) {
    // Flat images: equal only if both are flat and of the same grey.
    // Transparent ones (a white logo on white) must also have the same shape.
    if (sa.norm < FLAT_NORM && sb.norm < FLAT_NORM && Math.abs(sa.mean - sb.mean) <= 3) {
      if (a.transparent !== b.transparent) return 0;
      if (a.transparent && a.alpha && b.alpha && a.alpha.length === 256 && b.alpha.length === 256 && correlation(a.alpha, b.alpha) < 0.95)
        return 0;
      return 1 - Math.abs(sa.mean - sb.mean) / 255;
    }
    return 0;
  }
  const strict = graphicsPair(a, b, t);
  if (strict) {
    // Graphics: the same colours and tones, not just the same shapes (folder colours, flags, logo variants).
    if (chromaDifference(a.chroma, b.chroma) > t.maxChromaDifference) return 0;
    if (Math.abs(sa.mean - sb.mean) > t.maxLumaDifference) return 0;
    // Same size, same place: a local difference is a different glyph or emblem.
    if (sameSize(a, b) && maxBlockDifference(a.thumb, b.thumb) > MAX_BLOCK_DIFFERENCE) return 0;
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
    const s = alignedSimilarity(a.thumb, transformImage(b.thumb, THUMB, d), strict, comparisonGrid(a, b));
    if (s > best) {
      best = s;
      bestD = d;
    }
  }
  if (best >= 0.98) return best;
  // Neither the plain alignment nor any key says crop: no alignment search (see CROP_SEARCH_MAX_KEY_DISTANCE).
  const keyDistance = ranked.find((r) => r.d === bestD)?.dist ?? 0;
  if (keyDistance > (t.cropSearchMaxKeyDistance ?? CROP_SEARCH_MAX_KEY_DISTANCE) && best < CROP_SEARCH_MIN_PLAIN) return best;
  // One image a crop of the other: search scales down to minCropFraction, both ways.
  const tb = transformImage(b.thumb, THUMB, bestD);
  return Math.max(
    best,
    bestCropSimilarity(a.thumb, tb, t.minCropFraction, strict),
    bestCropSimilarity(tb, a.thumb, t.minCropFraction, strict),
  );
}

/** The similarity from which `a` and `b` are near-duplicates: nearSimilarity for graphics, photoMargin below it for photographs. */
export function nearThreshold(a: Fingerprint, b: Fingerprint, t: NearThresholds): number {
  return graphicsPair(a, b, t) ? t.nearSimilarity : t.nearSimilarity - (t.photoMargin ?? 0);
}

/** Verified similarity in (0, 1] if `a` and `b` are near-duplicates, else undefined. */
export function compare(a: Fingerprint, b: Fingerprint, t: NearThresholds): number | undefined {
  // An animation's fingerprint is its first frame's: one is a copy only of its own bytes (Fingerprint.animated).
  if (a.animated || b.animated) return undefined;
  const s = similarity(a, b, t);
  return s >= nearThreshold(a, b, t) && s > 0 ? s : undefined;
}
