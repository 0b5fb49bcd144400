/**
 * The 1x a downscaler makes of a 2x (local-edit.ts compares a 2x with its 1x once it is halved): most come
 * close to a box mean of each 2×2 block; some keep one pixel of four.
 */
import type { ExactRaster } from './decode';

/** The pixel of each 2×2 block a point-sampling downscaler may keep. */
export const POINT_PHASES: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
];

/** Pixel (dx, dy) of each 2×2 block of `r`, whose pixels are also given as 32-bit words. */
export function pointHalve(r: ExactRaster & { words: Uint32Array }, dx: number, dy: number): ExactRaster {
  const width = r.width >> 1,
    height = r.height >> 1;
  const words = new Uint32Array(width * height);
  const source = r.words;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) words[y * width + x] = source[(2 * y + dy) * r.width + 2 * x + dx];
  return { width, height, rgba: new Uint8Array(words.buffer) };
}

/**
 * Each 2×2 block of `r` as one pixel: the mean of its colours weighted by their alpha (a transparent pixel's
 * colour is not seen), and the mean alpha. An odd last row or column is dropped.
 */
export function halve(r: ExactRaster): ExactRaster {
  const width = r.width >> 1,
    height = r.height >> 1;
  const rgba = new Uint8Array(width * height * 4);
  const p = r.rgba;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let alpha = 0,
        red = 0,
        green = 0,
        blue = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const i = 4 * ((2 * y + dy) * r.width + 2 * x + dx);
          const a = p[i + 3];
          alpha += a;
          red += p[i] * a;
          green += p[i + 1] * a;
          blue += p[i + 2] * a;
        }
      }
      const o = 4 * (y * width + x);
      rgba[o + 3] = Math.round(alpha / 4);
      if (alpha === 0) continue;
      rgba[o] = Math.round(red / alpha);
      rgba[o + 1] = Math.round(green / alpha);
      rgba[o + 2] = Math.round(blue / alpha);
    }
  }
  return { width, height, rgba };
}
