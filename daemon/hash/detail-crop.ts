/**
 * Where one detail raster shows inside another: the alignment the detail check (detail.ts) compares a crop
 * at. The thumbnail stage accepts one image as a crop of the other (crop-search.ts), but the detail check
 * compares trimmed contents box to box, so a crop that cuts into a drawing (a stamp cropped by 5 %, its edges
 * gone) was compared misaligned by several pixels and vetoed as "changed everywhere". Here the region of the
 * larger view that the smaller one shows is found on grey grids of both rasters — coarse on a 32-grid, then
 * refined on a 128-grid to a quarter of a cell (under one pixel of a 512 px raster) — so that the per-tile
 * comparison runs on the same pixels.
 *
 * Like the thumbnail crop search, a crop keeps the proportions (the same fraction of each dimension, at least
 * `minFraction`, at most 1 − MIN_CROP), and the grids are squashed to squares.
 */
import type { DetailRaster, GreyRaster } from './detail-raster';
import { areaResample, correlation } from './compare';

/** A region of a raster, in its pixels (fractional edges). */
export interface RasterRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The coarse grid (a cell is 1/32 of each dimension) and the fine one the alignment is refined on. */
const COARSE = 32;
const FINE = 128;
/** The grid a candidate region and the crop are both resampled to before correlating. */
const COMPARE_GRID = 24;
/**
 * A crop removes at least this fraction of each dimension. A region within a few percent of the whole is a
 * misregistration, not a crop: the whole-content comparison judges it (a one-pixel tolerance), and a search for
 * the best shift there would only let a local change hide (two screenshots of one page, another navbar text).
 */
const MIN_CROP = 0.03;
/** Below this correlation of the aligned grey grids there is no crop alignment to speak of. */
const MIN_ALIGNMENT = 0.95;
/** Whole-to-whole correlation of the grey grids from which two rasters are taken as aligned, not cropped. */
const WHOLE_ALIGNED = 0.98;
/** How far under MIN_ALIGNMENT the coarse search (one cell apart) may land and still be refined. */
const COARSE_SLACK = 0.05;

/** n×n area-averaged luma (0..255) of a raster composited on white (or of a grey raster), squashed to a square (as the thumbnails are). */
export function greyGrid(r: DetailRaster | GreyRaster, n: number): Float64Array {
  const sum = new Float64Array(n * n);
  const count = new Float64Array(n * n);
  // The grid column of each pixel column, once per raster rather than once per pixel.
  const columns = new Int32Array(r.width);
  for (let x = 0; x < r.width; x++) columns[x] = Math.min(n - 1, Math.floor((x * n) / r.width));
  for (let y = 0; y < r.height; y++) {
    const row = Math.min(n - 1, Math.floor((y * n) / r.height)) * n;
    if ('luma' in r) {
      for (let x = 0, i = y * r.width; x < r.width; x++, i++) {
        sum[row + columns[x]] += r.luma[i];
        count[row + columns[x]]++;
      }
      continue;
    }
    for (let x = 0; x < r.width; x++) {
      const i = 4 * (y * r.width + x);
      const a = r.rgba[i + 3] / 255;
      const luma = 0.299 * r.rgba[i] + 0.587 * r.rgba[i + 1] + 0.114 * r.rgba[i + 2];
      const cell = row + columns[x];
      sum[cell] += a * luma + (1 - a) * 255;
      count[cell]++;
    }
  }
  for (let k = 0; k < n * n; k++) sum[k] /= Math.max(1, count[k]);
  return sum;
}

interface Square {
  x0: number;
  y0: number;
  size: number;
  score: number;
}

/** The best square region of `big` (an n-grid) matching `target` (COMPARE_GRID², the whole small view), hill-climbing from `start` with decreasing steps. */
function refine(big: Float64Array, target: Float64Array, n: number, minFraction: number, start: Square, steps: number[]): Square {
  let best = start;
  const score = (x0: number, y0: number, size: number): number => {
    if (
      size < minFraction * n - 1e-9 ||
      size > (1 - MIN_CROP) * n + 1e-9 ||
      x0 < 0 ||
      y0 < 0 ||
      x0 + size > n + 1e-9 ||
      y0 + size > n + 1e-9
    )
      return -2;
    return correlation(areaResample(big, n, x0, y0, size, size, COMPARE_GRID), target);
  };
  best = { ...best, score: score(best.x0, best.y0, best.size) };
  for (const step of steps) {
    for (let improved = true; improved;) {
      const c = best;
      for (const ds of [-step, 0, step])
        for (const dy of [-step, 0, step])
          for (const dx of [-step, 0, step]) {
            if (!ds && !dy && !dx) continue;
            const s = score(c.x0 + dx, c.y0 + dy, c.size + ds);
            if (s > best.score) best = { x0: c.x0 + dx, y0: c.y0 + dy, size: c.size + ds, score: s };
          }
      improved = best !== c;
    }
  }
  return best;
}

/** Grey grids of one raster: the fine one, and the coarse one area-averaged from it. */
interface Grids {
  fine: Float64Array;
  coarse: Float64Array;
}

function gridsOf(r: DetailRaster | GreyRaster): Grids {
  const fine = greyGrid(r, FINE);
  return { fine, coarse: areaResample(fine, FINE, 0, 0, FINE, FINE, COARSE) };
}

/** The best square of the coarse grid of `big` showing the whole of `small` (exhaustive over sizes ≥ minFraction and offsets, one cell apart). */
function coarseCrop(big: Grids, small: Grids, minFraction: number): Square {
  const target = areaResample(small.coarse, COARSE, 0, 0, COARSE, COARSE, COMPARE_GRID);
  let best: Square = { x0: 0, y0: 0, size: COARSE, score: -2 };
  for (let size = Math.ceil(minFraction * COARSE); size <= Math.floor((1 - MIN_CROP) * COARSE); size++)
    for (let y0 = 0; y0 + size <= COARSE; y0++)
      for (let x0 = 0; x0 + size <= COARSE; x0++) {
        const s = correlation(areaResample(big.coarse, COARSE, x0, y0, size, size, COMPARE_GRID), target);
        if (s > best.score) best = { x0, y0, size, score: s };
      }
  return best;
}

/**
 * The crop alignment of two rasters: the region of one (`side`) that the whole of the other shows, when one
 * is a crop of the other; undefined when neither is (the grey grids do not correlate at MIN_ALIGNMENT).
 * Both directions are searched on the coarse grid; the better one is refined. `evenIfAligned` searches even
 * when the wholes correlate at WHOLE_ALIGNED: a 5 % crop of a photograph with a wide sky does
 * (replaced-content.ts, which compares edges to the pixel).
 */
export function cropAlignment(
  a: DetailRaster | GreyRaster,
  b: DetailRaster | GreyRaster,
  minFraction: number,
  evenIfAligned = false,
): { side: 'a' | 'b'; region: RasterRegion } | undefined {
  const ga = gridsOf(a);
  const gb = gridsOf(b);
  // Wholes that already correlate this well are aligned (another glyph in one layout, a colour variant): a
  // crop of 3 % or more moves the content visibly (5 % crops of drawings correlate 0.91–0.96 whole to whole).
  const whole = correlation(
    areaResample(ga.coarse, COARSE, 0, 0, COARSE, COARSE, COMPARE_GRID),
    areaResample(gb.coarse, COARSE, 0, 0, COARSE, COARSE, COMPARE_GRID),
  );
  if (whole >= WHOLE_ALIGNED && !evenIfAligned) return undefined;
  const inA = coarseCrop(ga, gb, minFraction);
  const inB = coarseCrop(gb, ga, minFraction);
  const side = inA.score >= inB.score ? 'a' : 'b';
  const [big, small, raster, coarse] = side === 'a' ? [ga, gb, a, inA] : [gb, ga, b, inB];
  // A crop shows better as a crop than whole over whole; otherwise there is no crop to refine.
  if (coarse.score <= whole || coarse.score < MIN_ALIGNMENT - COARSE_SLACK) return undefined;
  const k = FINE / COARSE;
  const target = areaResample(small.fine, FINE, 0, 0, FINE, FINE, COMPARE_GRID);
  const start = { x0: coarse.x0 * k, y0: coarse.y0 * k, size: coarse.size * k, score: 0 };
  const fine = refine(big.fine, target, FINE, minFraction, start, [2, 1, 0.5, 0.25]);
  if (fine.score < MIN_ALIGNMENT) return undefined;
  return {
    side,
    region: {
      x0: (fine.x0 / FINE) * raster.width,
      y0: (fine.y0 / FINE) * raster.height,
      x1: ((fine.x0 + fine.size) / FINE) * raster.width,
      y1: ((fine.y0 + fine.size) / FINE) * raster.height,
    },
  };
}
