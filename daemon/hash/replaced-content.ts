/**
 * Replaced content: two copies of one drawn picture in which a part was drawn anew — one blog-cover
 * template with another person's photo and name (linkerd/website: twelve covers at 0.90–0.985 by the
 * thumbnails), two IDE screenshots of one screen with other text. Such pairs are lossy and partly flat, so the
 * detail check (detail.ts), which takes every changed tile for a difference, does not apply: lossy copies
 * of one photograph differ in every tile by their losses and edits.
 *
 * What tells them apart is where edges are. A global edit (tone, blur, re-encoding, resampling) moves no
 * edge; a watermark or a caption laid over a copy adds edges to one image only; content drawn anew adds, in
 * the same place, edges to each image that the other lacks. Both images are compared at the smaller one's
 * size, up to FINE_MAX px (detail-raster.ts): at 512 px a 2 400 px cover's name is 6 px tall and two names
 * share most of their edges within a pixel. Before edges are read, the tones of both are matched to a middle
 * curve (histogram matching: brightness, contrast, gamma and clipped highlights are one monotone map), and
 * within each tile the best shift up to one pixel is taken (resampling, a crop's rounding).
 *
 * Measured at EDGE_STEP 30 (at 40 four covers had only two tiles, at 25 one had one): the twelve labelled
 * cover pairs of linkerd/website have 2–61 replaced tiles, two IDE screenshots of one screen with other text
 * (react-native-website) 2. Of the photo benchmark's positive pairs that reach the check (tone edits,
 * re-encodings, resizes, crops, watermarks of partly flat photos), none has one; its 122 watermarked copies,
 * checked even where verify.ts would not, have at most one.
 */
import type { GreyRaster } from './detail-raster';
import { correlation } from './compare';
import { cropAlignment, greyGrid, type RasterRegion } from './detail-crop';
import { DEFAULT_NEAR_THRESHOLDS } from './thresholds';

/** From this many replaced tiles two pictures differ. */
export const MIN_REPLACED_TILES = 2;
/** Tiles per long side: 32 px tiles at FINE_MAX, the size of a face or a short word on a 2 400 px cover. */
const TILES_PER_SIDE = 32;
/** Luma step (0..255, central difference) from which a pixel is on an edge: text and outlines, not JPEG noise. */
const EDGE_STEP = 30;
/** Fraction of a tile's pixels that must be edges the other image lacks, each way, for the tile to be replaced. */
const REPLACED_FRACTION = 0.08;
/** Largest shift (px) tried per tile, on top of the one-pixel reach of an edge. */
const MAX_SHIFT = 1;
/**
 * Grey-grid correlation from which two wholes are one frame. Under it they are not aligned at all (a flip,
 * another picture) and nothing is said. The covers correlate 0.89 and more.
 */
const MIN_WHOLE_CORRELATION = 0.85;
/** Largest aspect difference (log) of two wholes, or of a crop region and the view it matches, compared edge to edge. */
const MAX_ASPECT_LOG = 0.03;
/** Grid the wholes are correlated on (as detail-crop.ts compares its regions). */
const GRID = 24;

type Box = RasterRegion;

const wholeOf = (r: GreyRaster): Box => ({ x0: 0, y0: 0, x1: r.width, y1: r.height });
const aspect = (box: Box): number => (box.x1 - box.x0) / (box.y1 - box.y0);
const proportionsApart = (x: Box, y: Box): boolean => Math.abs(Math.log(aspect(x) / aspect(y))) > MAX_ASPECT_LOG;

/** The two wholes are one frame: the same proportions, and grey grids that correlate. */
function oneFrame(a: GreyRaster, b: GreyRaster): boolean {
  return !proportionsApart(wholeOf(a), wholeOf(b)) && correlation(greyGrid(a, GRID), greyGrid(b, GRID)) >= MIN_WHOLE_CORRELATION;
}

/** The region of one raster that the whole other shows, when one is a crop of the other in the same proportions. */
function cropView(a: GreyRaster, b: GreyRaster): { boxA: Box; boxB: Box } | undefined {
  // Searched even when the wholes correlate: a 5 % crop of a wide sky correlates 0.98 whole to whole, and
  // its edges are pixels apart.
  const crop = cropAlignment(a, b, DEFAULT_NEAR_THRESHOLDS.minCropFraction, true);
  if (!crop) return undefined;
  const boxA = crop.side === 'a' ? crop.region : wholeOf(a);
  const boxB = crop.side === 'b' ? crop.region : wholeOf(b);
  // A crop of other proportions (a banner cut from a cover) is squashed into the region: not pixel-aligned.
  return proportionsApart(boxA, boxB) ? undefined : { boxA, boxB };
}

/** `box` of a grey raster area-averaged to w×h (its own levels when that is its whole at its own size). */
function regionOf(r: GreyRaster, box: Box, w: number, h: number): Uint8Array {
  if (box.x0 === 0 && box.y0 === 0 && box.x1 === r.width && box.y1 === r.height && w === r.width && h === r.height) return r.luma;
  const span = (start: number, length: number, n: number, limit: number): Int32Array => {
    const bounds = new Int32Array(n + 1);
    for (let k = 0; k <= n; k++) bounds[k] = Math.min(limit, Math.floor(start + (k * length) / n));
    return bounds;
  };
  const xs = span(box.x0, box.x1 - box.x0, w, r.width);
  const ys = span(box.y0, box.y1 - box.y0, h, r.height);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const ya = ys[y];
    const yb = Math.min(r.height, Math.max(ya + 1, ys[y + 1]));
    for (let x = 0; x < w; x++) {
      const xa = xs[x];
      const xb = Math.min(r.width, Math.max(xa + 1, xs[x + 1]));
      let sum = 0;
      for (let py = ya; py < yb; py++) for (let px = xa; px < xb; px++) sum += r.luma[py * r.width + px];
      out[y * w + x] = xb > xa && yb > ya ? Math.round(sum / ((yb - ya) * (xb - xa))) : 255;
    }
  }
  return out;
}

/**
 * Both images with their tones mapped to a middle tone curve: each level to the mean of its own level and the
 * other image's level at the same quantile. Symmetric, so a pair gets one verdict whichever comes first.
 */
function matchTones(a: Uint8Array, b: Uint8Array): [Uint8Array, Uint8Array] {
  const countA = new Float64Array(256);
  const countB = new Float64Array(256);
  for (let i = 0; i < a.length; i++) countA[a[i]]++;
  for (let i = 0; i < b.length; i++) countB[b[i]]++;
  const middleOf = (from: Float64Array, onto: Float64Array, fromTotal: number, ontoTotal: number): Uint8Array => {
    // The quantile at the middle of each level of `from`, read on `onto`'s cumulative histogram.
    const map = new Uint8Array(256);
    let below = 0;
    let k = 0;
    let belowOnto = 0;
    for (let level = 0; level < 256; level++) {
      const quantile = (below + from[level] / 2) / fromTotal;
      while (k < 255 && (belowOnto + onto[k]) / ontoTotal <= quantile) belowOnto += onto[k++];
      map[level] = Math.round((level + k) / 2);
      below += from[level];
    }
    return map;
  };
  const mapA = middleOf(countA, countB, a.length, b.length);
  const mapB = middleOf(countB, countA, b.length, a.length);
  const outA = new Uint8Array(a.length);
  const outB = new Uint8Array(b.length);
  for (let i = 0; i < a.length; i++) outA[i] = mapA[a[i]];
  for (let i = 0; i < b.length; i++) outB[i] = mapB[b[i]];
  return [outA, outB];
}

/** Pixels on an edge (central-difference gradient of at least EDGE_STEP), and those within one pixel of one. */
interface Edges {
  on: Uint8Array;
  near: Uint8Array;
}

function edges(l: Uint8Array, w: number, h: number): Edges {
  const on = new Uint8Array(w * h);
  const step = EDGE_STEP * EDGE_STEP;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
      const gx = l[i + 1] - l[i - 1];
      const gy = l[i + w] - l[i - w];
      if (gx * gx + gy * gy >= step) on[i] = 1;
    }
  }
  // Dilated by a 3×3 square, one row pass and one column pass.
  const rows = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) rows[i] = on[i] | (x > 0 ? on[i - 1] : 0) | (x < w - 1 ? on[i + 1] : 0);
  }
  const near = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) near[i] = rows[i] | (i >= w ? rows[i - w] : 0) | (i + w < w * h ? rows[i + w] : 0);
  return { on, near };
}

/**
 * How many tiles of the two rasters show content drawn anew (each image has edges there that the other
 * lacks, at every shift up to MAX_SHIFT); undefined when the two cannot be aligned pixel for pixel (a flip,
 * a crop of other proportions, two frames that do not correlate), so nothing is said.
 */
export function replacedTiles(a: GreyRaster, b: GreyRaster): number | undefined {
  // The wholes first, and the crop search (tens of milliseconds at this size) only when they say replaced
  // or cannot be compared: a crop misaligned by a few pixels is the other way to differ everywhere.
  const whole = oneFrame(a, b) ? tilesDrawnAnew(a, b, wholeOf(a), wholeOf(b)) : undefined;
  if (whole !== undefined && whole < MIN_REPLACED_TILES) return whole;
  const crop = cropView(a, b);
  return crop ? tilesDrawnAnew(a, b, crop.boxA, crop.boxB) : whole;
}

/** The replaced tiles of two aligned regions, compared at the smaller one's size. */
function tilesDrawnAnew(a: GreyRaster, b: GreyRaster, boxA: Box, boxB: Box): number {
  const areaA = (boxA.x1 - boxA.x0) * (boxA.y1 - boxA.y0);
  const small = areaA <= (boxB.x1 - boxB.x0) * (boxB.y1 - boxB.y0) ? boxA : boxB;
  const w = Math.max(1, Math.round(small.x1 - small.x0));
  const h = Math.max(1, Math.round(small.y1 - small.y0));
  const [la, lb] = matchTones(regionOf(a, boxA, w, h), regionOf(b, boxB, w, h));
  const ea = edges(la, w, h);
  const eb = edges(lb, w, h);
  const tile = Math.max(4, Math.round(Math.max(w, h) / TILES_PER_SIDE));
  let replaced = 0;
  for (let y0 = 0; y0 < h; y0 += tile) {
    for (let x0 = 0; x0 < w; x0 += tile) {
      const box = { x0, y0, x1: Math.min(w, x0 + tile), y1: Math.min(h, y0 + tile) };
      if (drawnAnew(ea, eb, w, h, box)) replaced++;
    }
  }
  return replaced;
}

/** Each image has edges in `tile` that the other lacks within a pixel, at every shift of b up to MAX_SHIFT. */
function drawnAnew(ea: Edges, eb: Edges, w: number, h: number, tile: Box): boolean {
  const least = REPLACED_FRACTION * (tile.x1 - tile.x0) * (tile.y1 - tile.y0);
  for (let dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++) {
    for (let dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++) {
      let onlyA = 0;
      let onlyB = 0;
      for (let y = tile.y0; y < tile.y1; y++) {
        const ys = y + dy;
        if (ys < 0 || ys >= h) continue;
        for (let x = tile.x0; x < tile.x1; x++) {
          const xs = x + dx;
          if (xs < 0 || xs >= w) continue;
          const i = y * w + x;
          const j = ys * w + xs;
          if (ea.on[i] && !eb.near[j]) onlyA++;
          if (eb.on[j] && !ea.near[i]) onlyB++;
        }
      }
      // One shift under which either image adds too little: the tile is one drawing, moved.
      if (onlyA < least || onlyB < least) return false;
    }
  }
  return true;
}
