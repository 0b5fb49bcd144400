/**
 * A raster resized by the area mean (each output pixel the mean of the input area it covers, weighted by
 * alpha), the filter most downscalers come close to. The local-edit check (local-edit.ts) resizes the larger
 * of two images of nearly one size to the other's size with it: a copy a tool resized to 99 % then differs
 * from it only by the two filters, where compared unresized it differs along every edge. compare.ts
 * areaResample does the same for a region of one small grey plane; this one takes a whole RGBA raster, up to
 * MAX_LOCAL_EDIT_PIXELS, a few rows at a time.
 */
import type { ExactRaster } from './decode';

/**
 * For each output position along one axis, the input positions it covers (from first[i], `taps` of them,
 * the unused ones weighted 0) and their weights, summing to 1: flat arrays, read in the inner loops.
 */
interface Coverage {
  taps: number;
  first: Int32Array;
  weights: Float32Array;
}

function coverage(from: number, to: number): Coverage {
  const scale = from / to;
  const taps = Math.ceil(scale) + 1;
  const first = new Int32Array(to);
  const weights = new Float32Array(to * taps);
  for (let i = 0; i < to; i++) {
    const start = i * scale,
      end = (i + 1) * scale;
    first[i] = Math.min(Math.floor(start), Math.max(0, from - taps));
    for (let k = 0; k < taps; k++) {
      const at = first[i] + k;
      if (at < from) weights[i * taps + k] = Math.max(0, Math.min(end, at + 1) - Math.max(start, at)) / scale;
    }
  }
  return { taps, first, weights };
}

/**
 * `r` resized to width × height (no larger than r) by the area mean, colours premultiplied by alpha while
 * averaged (a transparent pixel's colour is not seen). Only the input rows one output row covers are held
 * resized across, in a ring: the output is the only raster allocated.
 */
export function resizeByAreaMean(r: ExactRaster, width: number, height: number): ExactRaster {
  const columns = coverage(r.width, width);
  const rows = coverage(r.height, height);
  const p = r.rgba;
  const ring = Array.from({ length: rows.taps }, () => new Float32Array(4 * width));
  const held = new Int32Array(rows.taps).fill(-1);
  // Input row y resized across: premultiplied red, green, blue and alpha per output column.
  const across = (y: number): Float32Array => {
    const slot = y % rows.taps;
    const row = ring[slot];
    if (held[slot] === y) return row;
    held[slot] = y;
    for (let x = 0; x < width; x++) {
      let red = 0,
        green = 0,
        blue = 0,
        alpha = 0;
      for (let k = 0; k < columns.taps; k++) {
        const weight = columns.weights[x * columns.taps + k];
        if (weight === 0) continue;
        const i = 4 * (y * r.width + columns.first[x] + k);
        const a = p[i + 3] * weight;
        red += p[i] * a;
        green += p[i + 1] * a;
        blue += p[i + 2] * a;
        alpha += a;
      }
      row[4 * x] = red;
      row[4 * x + 1] = green;
      row[4 * x + 2] = blue;
      row[4 * x + 3] = alpha;
    }
    return row;
  };
  const rgba = new Uint8Array(width * height * 4);
  const sum = new Float64Array(4 * width);
  for (let y = 0; y < height; y++) {
    sum.fill(0);
    for (let k = 0; k < rows.taps; k++) {
      const weight = rows.weights[y * rows.taps + k];
      if (weight === 0) continue;
      const row = across(rows.first[y] + k);
      for (let i = 0; i < sum.length; i++) sum[i] += row[i] * weight;
    }
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      const alpha = sum[4 * x + 3];
      rgba[o + 3] = Math.round(alpha);
      if (alpha <= 0) continue;
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.min(255, Math.round(sum[4 * x + c] / alpha));
    }
  }
  return { width, height, rgba };
}
