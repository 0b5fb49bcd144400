/**
 * Colour in the detail check: CIELAB planes of a resampled region, a perceptual colour difference (ΔE), and
 * the median of many ΔE values by histogram. Shared by the drawing comparison (detail.ts) and the ink colour
 * measures (ink-colour.ts).
 */

/**
 * CIELAB planes (3 floats a pixel) of a region resampled to w×h: `px` composited on an opaque background,
 * `ink` the colour of the drawing itself (straight, not mixed with the page: an anti-aliased edge of a blue
 * stroke is still that blue), `cover` its coverage (0..1, 1 for opaque images).
 */
export interface LabImage {
  w: number;
  h: number;
  px: Float32Array;
  ink: Float32Array;
  cover: Float32Array;
}

export const SRGB_TO_LINEAR = new Float32Array(256).map((_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

function labF(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116;
}

/** CIELAB (D65) of a linear sRGB colour. */
export function cielab(r: number, g: number, b: number, out: Float32Array, at: number): void {
  const x = labF((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047);
  const y = labF(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
  const z = labF((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883);
  out[at] = 116 * y - 16;
  out[at + 1] = 500 * (x - y);
  out[at + 2] = 200 * (y - z);
}

/**
 * cielab that remembers the last colour it converted: flat graphics and screenshots come in runs of one colour
 * (a page, a bar, a stroke), and the cube roots are most of the detail check's conversion cost. The values
 * written are the ones cielab writes, to the bit (kept as the Float32 values it stored).
 */
export class LabRuns {
  private r = NaN;
  private g = NaN;
  private b = NaN;
  private l = 0;
  private a = 0;
  private bb = 0;

  convert(r: number, g: number, b: number, out: Float32Array, at: number): void {
    if (r === this.r && g === this.g && b === this.b) {
      out[at] = this.l;
      out[at + 1] = this.a;
      out[at + 2] = this.bb;
      return;
    }
    cielab(r, g, b, out, at);
    this.r = r;
    this.g = g;
    this.b = b;
    this.l = out[at];
    this.a = out[at + 1];
    this.bb = out[at + 2];
  }
}

/**
 * Colour difference in the spirit of CIEDE2000 without its hue rotation term: lightness differences weigh
 * less far from mid-grey (black and #1B1B1B are one ink), chroma and hue differences less in saturated colours.
 */
export function deltaE(l1: number, a1: number, b1: number, l2: number, a2: number, b2: number): number {
  return Math.sqrt(deltaESquared(l1, a1, b1, chroma(a1, b1), l2, a2, b2, chroma(a2, b2)));
}

/** The chroma of a CIELAB colour (deltaESquared takes it precomputed: it is a property of one pixel, not of a pair). */
export function chroma(a: number, b: number): number {
  return Math.sqrt(a * a + b * b);
}

/** The square of deltaE, given each colour's chroma (`chroma`): the same value to the bit once its root is taken. */
export function deltaESquared(l1: number, a1: number, b1: number, c1: number, l2: number, a2: number, b2: number, c2: number): number {
  const lm = (l1 + l2) / 2 - 50;
  const sl = 1 + (0.015 * lm * lm) / Math.sqrt(20 + lm * lm);
  const cm = (c1 + c2) / 2;
  const dc = c1 - c2;
  const dh2 = Math.max(0, (a1 - a2) ** 2 + (b1 - b2) ** 2 - dc * dc);
  return ((l1 - l2) / sl) ** 2 + (dc / (1 + 0.045 * cm)) ** 2 + dh2 / (1 + 0.015 * cm) ** 2;
}

export const MEDIAN_STEPS = 10;
export const MEDIAN_BINS = 100 * MEDIAN_STEPS;

/** The median of `count` values binned by histogram (steps of 1/MEDIAN_STEPS ΔE). */
export function histogramMedian(histogram: Uint32Array, count: number): number {
  for (let i = 0, seen = 0; i <= MEDIAN_BINS; i++) {
    seen += histogram[i];
    if (seen > count >> 1) return i / MEDIAN_STEPS;
  }
  return 0;
}
