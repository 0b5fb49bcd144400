/**
 * The ink colour measures of the detail check: how far the colour of each drawn pixel moved (colour variants of
 * one graphic: a blue and a darker blue close icon, the colour skins of one sprite), measured on the drawing's
 * own colour so that the anti-aliased edges of a thin stroke keep theirs.
 */
import { deltaE, histogramMedian, MEDIAN_BINS, MEDIAN_STEPS, type LabImage } from './colour-difference';

/** A pixel further than this (ΔE) from the page colour is ink. */
export const INK_DELTA = 10;

/** Fewest pixels of ink both images cover for the ink colour measures to count. */
const MIN_INK_PIXELS = 12;
/** Coverage (alpha) from which a pixel's ink colour is its own, not an edge's faint trace. */
const MIN_COVER = 0.5;
/**
 * An ink colour further than this (ΔE) from every nearby ink of the other image has been recoloured: orange
 * #FF7700 and rust #D54E21 are 14.8 apart on this (CIE94-like) scale.
 */
export const RECOLOURED_DELTA = 10;

/** The ink colour measures of DetailDifference (inkColour, recolouredInk) on two images of one size. */
export function inkColours(
  a: LabImage,
  b: LabImage,
  pageA: Float32Array,
  pageB: Float32Array,
): { inkColour: number; recolouredInk: number } {
  const { w, h } = a;
  const histogram = new Uint32Array(MEDIAN_BINS + 1);
  let pixels = 0,
    recoloured = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (a.cover[i] < MIN_COVER || b.cover[i] < MIN_COVER) continue;
      const o = 3 * i;
      const inkA = deltaE(a.px[o], a.px[o + 1], a.px[o + 2], pageA[0], pageA[1], pageA[2]) > INK_DELTA;
      if (!inkA && deltaE(b.px[o], b.px[o + 1], b.px[o + 2], pageB[0], pageB[1], pageB[2]) <= INK_DELTA) continue;
      const ab = nearestInk(a, b, x, y, -Infinity);
      // The other way only counts above `ab`: its search may stop at anything not above it.
      const d = Math.max(ab, nearestInk(b, a, x, y, ab));
      histogram[Math.min(MEDIAN_BINS, Math.floor(d * MEDIAN_STEPS))]++;
      pixels++;
      if (d > RECOLOURED_DELTA) recoloured++;
    }
  }
  if (pixels < MIN_INK_PIXELS) return { inkColour: 0, recolouredInk: 0 };
  return { inkColour: histogramMedian(histogram, pixels), recolouredInk: recoloured / pixels };
}

/**
 * The smallest ink colour difference (ΔE) between `p` at (x, y) and the covered pixels of `q` within one pixel,
 * or, as soon as one is below 1 or at most `enough`, that one: the same pixel first (it matches in copies of
 * one drawing, so most pixels cost one ΔE). Which value below 1 is returned never changes a verdict: only the
 * count of values below 1 and the values above it (a full search, in any order the same minimum) move the
 * median past 1 or the recoloured fraction.
 */
function nearestInk(p: LabImage, q: LabImage, x: number, y: number, enough: number): number {
  const i = y * p.w + x;
  const o = 3 * i;
  const l = p.ink[o],
    a = p.ink[o + 1],
    b = p.ink[o + 2];
  let best = Infinity;
  if (q.cover[i] >= MIN_COVER) {
    best = deltaE(l, a, b, q.ink[o], q.ink[o + 1], q.ink[o + 2]);
    if (best < 1 || best <= enough) return best;
  }
  for (let yy = Math.max(0, y - 1); yy <= Math.min(p.h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(p.w - 1, x + 1); xx++) {
      const j = yy * p.w + xx;
      if (j === i || q.cover[j] < MIN_COVER) continue;
      best = Math.min(best, deltaE(l, a, b, q.ink[3 * j], q.ink[3 * j + 1], q.ink[3 * j + 2]));
      if (best < 1 || best <= enough) return best;
    }
  }
  return best;
}
