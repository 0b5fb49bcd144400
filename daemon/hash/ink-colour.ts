/**
 * The ink colour measures of the detail check: how far the colour of each drawn pixel moved (colour variants of
 * one graphic: a blue and a darker blue close icon, the colour skins of one sprite), measured on the drawing's
 * own colour so that the anti-aliased edges of a thin stroke keep theirs.
 */
import { chroma, deltaE, deltaESquared, histogramMedian, MEDIAN_BINS, MEDIAN_STEPS, type LabImage } from './colour-difference';

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

/** Which pixels of `img` are ink: 1 where its colour is further than INK_DELTA from the page colour (CIELAB). */
export function inkMask(img: LabImage, page: Float32Array): Uint8Array {
  return inkMasks(img, page, INK_DELTA).ink;
}

/**
 * inkMask, and with it the pixels further than `faintDelta` (below INK_DELTA) from the page: faint ink
 * (added-ink.ts). One colour difference a pixel for both.
 */
export function inkMasks(img: LabImage, page: Float32Array, faintDelta: number): { ink: Uint8Array; faint: Uint8Array } {
  const { px } = img;
  const ink = new Uint8Array(img.w * img.h);
  const faint = new Uint8Array(img.w * img.h);
  const l = page[0],
    a = page[1],
    b = page[2];
  // Runs of one colour (a page, a bar) share one difference: it is computed once a run.
  let lastL = NaN,
    lastA = NaN,
    lastB = NaN,
    d = 0;
  for (let i = 0, o = 0; i < ink.length; i++, o += 3) {
    if (px[o] !== lastL || px[o + 1] !== lastA || px[o + 2] !== lastB) {
      lastL = px[o];
      lastA = px[o + 1];
      lastB = px[o + 2];
      d = deltaE(lastL, lastA, lastB, l, a, b);
    }
    ink[i] = d > INK_DELTA ? 1 : 0;
    faint[i] = d > faintDelta ? 1 : 0;
  }
  return { ink, faint };
}

/**
 * The ink colour measures of DetailDifference (inkColour, recolouredInk) on two images of one size; `inkA` and
 * `inkB` their ink masks on their pages (inkMask), when the caller has them already.
 */
export function inkColours(
  a: LabImage,
  b: LabImage,
  pageA: Float32Array,
  pageB: Float32Array,
  inkA: Uint8Array = inkMask(a, pageA),
  inkB: Uint8Array = inkMask(b, pageB),
): { inkColour: number; recolouredInk: number } {
  const { w, h } = a;
  const histogram = new Uint32Array(MEDIAN_BINS + 1);
  let pixels = 0,
    recoloured = 0;
  const chromaA = inkChroma(a),
    chromaB = inkChroma(b);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (a.cover[i] < MIN_COVER || b.cover[i] < MIN_COVER) continue;
      if (!inkA[i] && !inkB[i]) continue;
      const ab = nearestInk(a, b, chromaA, chromaB, x, y, -Infinity);
      // The other way only counts above `ab`: its search may stop at anything not above it.
      const d = Math.max(ab, nearestInk(b, a, chromaB, chromaA, x, y, ab));
      histogram[Math.min(MEDIAN_BINS, Math.floor(d * MEDIAN_STEPS))]++;
      pixels++;
      if (d > RECOLOURED_DELTA) recoloured++;
    }
  }
  if (pixels < MIN_INK_PIXELS) return { inkColour: 0, recolouredInk: 0 };
  return { inkColour: histogramMedian(histogram, pixels), recolouredInk: recoloured / pixels };
}

/** The chroma of each pixel's ink (`chroma`), once per image: each pixel is compared with up to 18 others. */
function inkChroma(img: LabImage): Float64Array {
  const out = new Float64Array(img.w * img.h);
  for (let i = 0, o = 0; i < out.length; i++, o += 3) out[i] = chroma(img.ink[o + 1], img.ink[o + 2]);
  return out;
}

/**
 * The smallest ink colour difference (ΔE) between `p` at (x, y) and the covered pixels of `q` within one pixel,
 * or, as soon as one is below 1 or at most `enough`, that one: the same pixel first (it matches in copies of
 * one drawing, so most pixels cost one ΔE). Which value below 1 is returned never changes a verdict: only the
 * count of values below 1 and the values above it (a full search, in any order the same minimum) move the
 * median past 1 or the recoloured fraction. Squared differences are compared; the root is taken only of a new
 * minimum (the same values and stops as comparing the roots: the root is monotonic).
 */
function nearestInk(p: LabImage, q: LabImage, cp: Float64Array, cq: Float64Array, x: number, y: number, enough: number): number {
  const i = y * p.w + x;
  const o = 3 * i;
  const l = p.ink[o],
    a = p.ink[o + 1],
    b = p.ink[o + 2],
    c = cp[i];
  const qi = q.ink;
  let best = Infinity,
    bestSquared = Infinity;
  if (q.cover[i] >= MIN_COVER) {
    bestSquared = deltaESquared(l, a, b, c, qi[o], qi[o + 1], qi[o + 2], cq[i]);
    best = Math.sqrt(bestSquared);
    if (best < 1 || best <= enough) return best;
  }
  for (let yy = Math.max(0, y - 1); yy <= Math.min(p.h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(p.w - 1, x + 1); xx++) {
      const j = yy * p.w + xx;
      if (j === i || q.cover[j] < MIN_COVER) continue;
      const squared = deltaESquared(l, a, b, c, qi[3 * j], qi[3 * j + 1], qi[3 * j + 2], cq[j]);
      if (squared >= bestSquared) continue;
      bestSquared = squared;
      best = Math.sqrt(squared);
      if (best < 1 || best <= enough) return best;
    }
  }
  return best;
}
