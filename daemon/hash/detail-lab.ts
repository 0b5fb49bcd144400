/**
 * The detail check's pixel planes (detail.ts): a raster flattened to linear RGB, a region of it resampled to
 * CIELAB (composited, and its ink alone), and a 3×3 blur of such a plane. Pure functions of typed arrays.
 */
import { LabRuns, type LabImage } from './colour-difference';

/** Tile side (pixels at the compared size) over which the detail check counts what differs (detail.ts, added-ink.ts). */
export const TILE = 8;

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * An image in linear RGB (3 floats a pixel): `rgb` a detail raster as it shows on a background, `premultiplied`
 * its own colours times their coverage `alpha` (the same array as `rgb` when every pixel is opaque). Read only.
 */
export interface Flat {
  w: number;
  h: number;
  rgb: Float32Array;
  premultiplied: Float32Array;
  alpha: Float32Array;
}

/** Area-averaged resample of a region of `f` to w×h, then CIELAB of each pixel (composited and of the ink alone). */
export function labRegion(f: Flat, box: Box, w: number, h: number): LabImage {
  const px = new Float32Array(w * h * 3);
  const ink = new Float32Array(w * h * 3);
  const cover = new Float32Array(w * h);
  const sx = (box.x1 - box.x0) / w;
  const sy = (box.y1 - box.y0) / h;
  // One converter for the composited colours, one for the inks: each comes in runs of its own.
  const composited = new LabRuns(),
    straight = new LabRuns();
  // A region of whole pixels at its own size is a copy; a fractional one (a crop alignment) is resampled.
  if (sx === 1 && sy === 1 && Number.isInteger(box.x0) && Number.isInteger(box.y0)) {
    labCopy(f, box, px, ink, cover, composited, straight);
    return { w, h, px, ink, cover };
  }
  for (let y = 0; y < h; y++) {
    const ya = box.y0 + y * sy,
      yb = ya + sy;
    for (let x = 0; x < w; x++) {
      const xa = box.x0 + x * sx,
        xb = xa + sx;
      let cr = 0,
        cg = 0,
        cb = 0,
        area = 0,
        ir = 0,
        ig = 0,
        ib = 0,
        ia = 0;
      for (let py = Math.floor(ya); py < Math.ceil(yb) && py < f.h; py++) {
        const wy = Math.min(yb, py + 1) - Math.max(ya, py);
        for (let px0 = Math.floor(xa); px0 < Math.ceil(xb) && px0 < f.w; px0++) {
          const wgt = wy * (Math.min(xb, px0 + 1) - Math.max(xa, px0));
          const i = 3 * (py * f.w + px0);
          cr += wgt * f.rgb[i];
          cg += wgt * f.rgb[i + 1];
          cb += wgt * f.rgb[i + 2];
          ir += wgt * f.premultiplied[i];
          ig += wgt * f.premultiplied[i + 1];
          ib += wgt * f.premultiplied[i + 2];
          ia += wgt * f.alpha[py * f.w + px0];
          area += wgt;
        }
      }
      const o = y * w + x;
      composited.convert(cr / area, cg / area, cb / area, px, 3 * o);
      cover[o] = ia / area;
      // An opaque region's ink is its composited colour (the same sums, to the bit): no second conversion.
      if (ia === area && ir === cr && ig === cg && ib === cb) {
        ink[3 * o] = px[3 * o];
        ink[3 * o + 1] = px[3 * o + 1];
        ink[3 * o + 2] = px[3 * o + 2];
      } else if (ia > 0) straight.convert(ir / ia, ig / ia, ib / ia, ink, 3 * o);
    }
  }
  return { w, h, px, ink, cover };
}

/**
 * labRegion at the region's own size (the smaller image of most pairs): each pixel its own cell, of weight 1,
 * so the same values as the general resample, without the overlap arithmetic.
 */
function labCopy(
  f: Flat,
  box: Box,
  px: Float32Array,
  ink: Float32Array,
  cover: Float32Array,
  composited: LabRuns,
  straight: LabRuns,
): void {
  for (let y = box.y0, o = 0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++, o++) {
      const j = y * f.w + x;
      const i = 3 * j;
      const a = f.alpha[j];
      composited.convert(f.rgb[i], f.rgb[i + 1], f.rgb[i + 2], px, 3 * o);
      cover[o] = a;
      if (
        a === 1 &&
        f.premultiplied[i] === f.rgb[i] &&
        f.premultiplied[i + 1] === f.rgb[i + 1] &&
        f.premultiplied[i + 2] === f.rgb[i + 2]
      ) {
        ink[3 * o] = px[3 * o];
        ink[3 * o + 1] = px[3 * o + 1];
        ink[3 * o + 2] = px[3 * o + 2];
      } else if (a > 0) straight.convert(f.premultiplied[i] / a, f.premultiplied[i + 1] / a, f.premultiplied[i + 2] / a, ink, 3 * o);
    }
  }
}

/**
 * The row sums of blur3, kept between calls rather than allocated for every image of every pair: at most 6 MB,
 * for a 512×512 plane (the largest a detail raster gives), held for the life of the process.
 */
let rowSums = new Float64Array(0);

/**
 * 3×3 box mean of each channel (clipped at the borders), separable: the sums of three along each row, then of
 * three such sums down each column. Float32 values summed in doubles, in the order of the nine-pixel reference
 * (centre, left, right; then centre, above, below), so the same means to the bit
 * (test/hash/detail-fast-paths.test.ts). A row's first and last pixels are summed apart, so that the loop
 * over the others has no branch.
 */
export function blur3(img: LabImage): Float32Array {
  const { w, h, px } = img;
  if (rowSums.length < px.length) rowSums = new Float64Array(px.length);
  const rows = rowSums;
  const stride = 3 * w;
  for (let y = 0; y < h; y++) {
    const first = y * stride,
      last = first + stride - 3;
    if (w === 1) {
      for (let c = 0; c < 3; c++) rows[first + c] = px[first + c];
      continue;
    }
    for (let c = 0; c < 3; c++) rows[first + c] = px[first + c] + px[first + 3 + c];
    for (let o = first + 3; o < last; o++) rows[o] = px[o] + px[o - 3] + px[o + 3];
    for (let c = 0; c < 3; c++) rows[last + c] = px[last + c] + px[last - 3 + c];
  }
  const out = new Float32Array(px.length);
  for (let y = 0; y < h; y++) {
    const up = y > 0,
      down = y < h - 1;
    const cy = (up ? 1 : 0) + 1 + (down ? 1 : 0);
    const first = y * stride,
      end = first + stride;
    // Divisors: the pixels counted at the left edge, inside, at the right edge.
    const inner = 3 * cy,
      edge = w === 1 ? cy : 2 * cy;
    for (let o = first; o < end; o++) {
      let s = rows[o];
      if (up) s += rows[o - stride];
      if (down) s += rows[o + stride];
      out[o] = s / (o < first + 3 || o >= end - 3 ? edge : inner);
    }
  }
  return out;
}
