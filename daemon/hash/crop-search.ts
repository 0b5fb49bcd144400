/**
 * The crop/alignment search of verification (compare.ts): the best similarity of one 32×32 thumbnail
 * against square regions of another (one image a crop of the other), both brought to a 24×24 grid by area
 * averaging. It was 60–75 % of a cold photo scan; the same measure is computed here without allocating:
 *
 * - area averaging is separable (a cell's weights are the product of its row and column overlaps, its area
 *   the product of their sums), so a region is resampled by a horizontal then a vertical pass of ≤ 3 taps;
 * - the clipped 3×3 box blur of the high-pass is separable the same way (its cell count is the product of
 *   the clipped row and column counts);
 * - the target's centred values and norms (plain and high-pass) are computed once per search, not per region;
 * - every evaluated position is remembered, so the refinement never evaluates a clamped position twice;
 * - the high-pass grid of a region is computed only when it could make that region the best so far.
 *
 * The result equals the former per-cell implementation up to floating-point rounding (test/hash/crop-search.test.ts).
 */
import { THUMB } from './pdq';

/** The grid both sides are resampled to. */
export const CROP_GRID = 24;

const G = CROP_GRID;
const CELLS = G * G;
/** A cell of a region at least 0.8 of the thumbnail spans at most 3 source pixels per axis (≤ 32/24 + 1 partial). */
const MAX_TAPS = 3;

/** Area-averaging weights of one axis: for each of the G cells, its first source pixel and ≤ 3 normalised weights. */
interface AxisWeights {
  first: Int32Array;
  weights: Float64Array;
  taps: Int32Array;
}

function newAxis(): AxisWeights {
  return { first: new Int32Array(G), weights: new Float64Array(G * MAX_TAPS), taps: new Int32Array(G) };
}

/** The weights of the span [start, start + size) of [0, THUMB) cut into G cells (the overlaps of boxRegion). */
function axisWeights(start: number, size: number, out: AxisWeights): void {
  const step = size / G;
  for (let c = 0; c < G; c++) {
    const a = start + c * step;
    const b = a + step;
    const lo = Math.floor(a);
    const hi = Math.min(Math.ceil(b), THUMB);
    let sum = 0;
    let n = 0;
    for (let p = lo; p < hi && n < MAX_TAPS; p++, n++) {
      const w = Math.min(b, p + 1) - Math.max(a, p);
      out.weights[c * MAX_TAPS + n] = w;
      sum += w;
    }
    for (let k = 0; k < n; k++) out.weights[c * MAX_TAPS + k] /= sum;
    out.first[c] = lo;
    out.taps[c] = n;
  }
}

/** Scratch buffers of one search (one search runs at a time in a thread: module-level, never reallocated). */
const xAxis = newAxis();
const yAxis = newAxis();
const rows = new Float64Array(THUMB * G);
const region = new Float64Array(CELLS);
const rowBox = new Float64Array(CELLS);
const highPass = new Float64Array(CELLS);

/** The horizontal pass of `resample`: rows [yFirst, yLast] of `src` cut into the G cells of xAxis, into `out` (THUMB × G). */
function horizontalPass(src: ArrayLike<number>, yFirst: number, yLast: number, out: Float64Array): void {
  for (let py = yFirst; py <= yLast; py++) {
    const base = py * THUMB;
    for (let x = 0; x < G; x++) {
      const f = xAxis.first[x];
      const w = x * MAX_TAPS;
      const n = xAxis.taps[x];
      let s = xAxis.weights[w] * src[base + f];
      if (n > 1) s += xAxis.weights[w + 1] * src[base + f + 1];
      if (n > 2) s += xAxis.weights[w + 2] * src[base + f + 2];
      out[py * G + x] = s;
    }
  }
}

/** The vertical pass of `resample`: the horizontally resampled rows `from` cut into the G cells of yAxis, into `out` (G²). */
function verticalPass(from: Float64Array, out: Float64Array): void {
  for (let y = 0; y < G; y++) {
    const f = yAxis.first[y];
    const w = y * MAX_TAPS;
    const n = yAxis.taps[y];
    const w0 = yAxis.weights[w],
      w1 = yAxis.weights[w + 1],
      w2 = yAxis.weights[w + 2];
    const r0 = f * G,
      r1 = r0 + G,
      r2 = r1 + G;
    for (let x = 0; x < G; x++) {
      let s = w0 * from[r0 + x];
      if (n > 1) s += w1 * from[r1 + x];
      if (n > 2) s += w2 * from[r2 + x];
      out[y * G + x] = s;
    }
  }
}

/** Area-averaged resample of the square [x0, x0 + size) × [y0, y0 + size) of a THUMB² image into `out` (G²). */
function resample(src: ArrayLike<number>, x0: number, y0: number, size: number, out: Float64Array): void {
  axisWeights(x0, size, xAxis);
  axisWeights(y0, size, yAxis);
  horizontalPass(src, yAxis.first[0], Math.min(THUMB - 1, yAxis.first[G - 1] + yAxis.taps[G - 1] - 1), rows);
  verticalPass(rows, out);
}

/**
 * The horizontal passes of the coarse search at one scale, one a column offset (shared by every row offset):
 * all THUMB rows, for up to MAX_COARSE_COLUMNS offsets.
 */
const MAX_COARSE_COLUMNS = 8;
const coarseRows = Array.from({ length: MAX_COARSE_COLUMNS }, () => new Float64Array(THUMB * G));

/** `v` minus its 3×3 box mean (clipped at the borders), G², into `out` (highPassGrid of compare.ts). */
function highPassInto(v: Float64Array, out: Float64Array): void {
  for (let y = 0; y < G; y++) {
    const r = y * G;
    for (let x = 0; x < G; x++) {
      let s = v[r + x];
      if (x > 0) s += v[r + x - 1];
      if (x < G - 1) s += v[r + x + 1];
      rowBox[r + x] = s;
    }
  }
  for (let y = 0; y < G; y++) {
    const cy = y === 0 || y === G - 1 ? 2 : 3;
    for (let x = 0; x < G; x++) {
      const i = y * G + x;
      let s = rowBox[i];
      if (y > 0) s += rowBox[i - G];
      if (y < G - 1) s += rowBox[i + G];
      const cx = x === 0 || x === G - 1 ? 2 : 3;
      out[i] = v[i] - s / (cx * cy);
    }
  }
}

/** A vector minus its mean, and the norm of that (0 for a flat vector). */
interface Centred {
  values: Float64Array;
  norm: number;
}

function centred(v: Float64Array): Centred {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  const values = new Float64Array(v.length);
  let q = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v[i] - mean;
    values[i] = d;
    q += d * d;
  }
  return { values, norm: Math.sqrt(q) };
}

/** Pearson correlation of `v` with a centred target (0 when either is flat). */
function correlationWith(v: Float64Array, target: Centred): number {
  let s = 0;
  for (let i = 0; i < CELLS; i++) s += v[i];
  const mean = s / CELLS;
  let q = 0;
  let dot = 0;
  for (let i = 0; i < CELLS; i++) {
    const d = v[i] - mean;
    q += d * d;
    dot += d * target.values[i];
  }
  const norm = Math.sqrt(q);
  if (norm < 1e-9 || target.norm < 1e-9) return 0;
  return dot / (norm * target.norm);
}

/**
 * Best similarity of `small` against regions of `big` (a crop): a coarse search of scales (0.95 down to
 * minFraction, by 0.05) and offsets (about 1.5 thumbnail pixels apart), then a local refinement of the best
 * one (scale and offset steps halved three times). Similarity at a position: the correlation of the plain
 * grids combined with that of their high-pass (the smaller for graphics, `strict`; else their mean).
 */
export function bestCropSimilarity(big: Uint8Array, small: Uint8Array, minFraction: number, strict: boolean): number {
  resample(small, 0, 0, THUMB, region);
  const target = centred(region);
  highPassInto(region, highPass);
  const targetHp = centred(highPass);
  const seen = new PositionMemo();
  let best = { s: 0, f: 1, fx: 0.5, fy: 0.5 };
  /** Similarity of the region now in `region`, and whether the high-pass was needed to know it. */
  const score = (): number => {
    const plain = correlationWith(region, target);
    // The high-pass correlation is at most 1: when even that cannot lift this position above the best so far,
    // its value is never used (the best only grows), and the plain one, an upper bound, stands in for it.
    if (plain > 0 && (strict ? plain : (plain + 1) / 2) <= best.s) return strict ? plain : (plain + 1) / 2;
    if (plain <= 0) return 0;
    highPassInto(region, highPass);
    const hp = correlationWith(highPass, targetHp);
    return strict ? Math.min(plain, hp) : (plain + hp) / 2;
  };
  /** The similarity at a position; `columnRows` the horizontal pass of its column offset when already made. */
  const at = (f: number, fx: number, fy: number, columnRows?: Float64Array): number => {
    f = Math.min(1, Math.max(minFraction, f));
    const size = THUMB * f;
    const range = THUMB - size;
    const x0 = range * Math.min(1, Math.max(0, fx));
    const y0 = range * Math.min(1, Math.max(0, fy));
    const known = seen.get(size, x0, y0);
    if (known !== undefined) return known;
    if (columnRows) {
      axisWeights(y0, size, yAxis);
      verticalPass(columnRows, region);
    } else resample(big, x0, y0, size, region);
    const s = score();
    seen.set(size, x0, y0, s);
    return s;
  };
  for (let f = 0.95; f >= minFraction - 1e-9; f -= 0.05) {
    const steps = Math.max(1, Math.round((THUMB * (1 - f)) / 1.5));
    // Column offsets first (the horizontal pass depends on the column only), then every row offset in the
    // same order as before: the same positions, the same values, the same best.
    const shared = steps + 1 <= MAX_COARSE_COLUMNS;
    if (shared) {
      const size = THUMB * Math.min(1, Math.max(minFraction, f));
      const range = THUMB - size;
      for (let ix = 0; ix <= steps; ix++) {
        axisWeights(range * Math.min(1, Math.max(0, ix / steps)), size, xAxis);
        horizontalPass(big, 0, THUMB - 1, coarseRows[ix]);
      }
    }
    for (let iy = 0; iy <= steps; iy++) {
      for (let ix = 0; ix <= steps; ix++) {
        const s = at(f, ix / steps, iy / steps, shared ? coarseRows[ix] : undefined);
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

/** Positions evaluated in one search (at most a few hundred): exact (size, x0, y0) → similarity, without string keys. */
class PositionMemo {
  private readonly keys: number[] = [];
  private readonly values: number[] = [];

  get(size: number, x0: number, y0: number): number | undefined {
    const k = this.keys;
    for (let i = 0, j = 0; j < k.length; i++, j += 3) if (k[j] === size && k[j + 1] === x0 && k[j + 2] === y0) return this.values[i];
    return undefined;
  }

  set(size: number, x0: number, y0: number, value: number): void {
    this.keys.push(size, x0, y0);
    this.values.push(value);
  }
}
