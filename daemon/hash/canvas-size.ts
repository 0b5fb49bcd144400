/**
 * How the sizes of two images relate, before any pixel is read: nearly one size (one canvas cropped by a few
 * pixels at most), sizes a resample gives, two captures of one screen cropped apart, a 2x and its 1x. The
 * local-edit check (local-edit.ts) compares such pairs pixel for pixel, each in the way its sizes allow.
 */

export interface Size {
  width: number;
  height: number;
}

/**
 * The region both images show covers at least this share of the larger: a crop of a few pixels, not of a part.
 * Two captures of one screen with another dialog open (longhorn/website: create and edit a backup target)
 * share 96.2 % and 96.4 %, and small images cropped by 5 × 3 px (a 440×92 logo) 95–97 %: at 97 % they were
 * never compared pixel for pixel: the detail check at 512 px saw one picture in the captures, and split 7 of
 * 237 such crops (bench/resampled.ts, on linkerd's and spinnaker's images), which are now kept.
 */
export const MIN_SHARED_AREA = 0.95;

/** Two images of exactly one size. */
export function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

/** Two images whose sizes leave a shared region of MIN_SHARED_AREA at best. */
export function nearlyOneSize(a: Size, b: Size): boolean {
  return Math.min(a.width, b.width) * Math.min(a.height, b.height) >= MIN_SHARED_AREA * Math.max(a.width * a.height, b.width * b.height);
}

/** Half a pixel, and what floating point adds to it. */
const ROUNDING = 0.5 + 1e-9;

/**
 * Sizes a uniform resample could give: one factor that scales each side of one image to the other's, rounded
 * to the nearest pixel (each side rounded on its own, as a resize to 99 % gives, or one side given and the
 * other computed). Captures cropped a few pixels apart rarely have such sizes: one side kept and the other
 * cropped (3444×732 and 3444×724, 1300×556 and 1300×555), the two sides changed in opposite directions
 * (1795×1120 and 1797×1110), or by factors further apart than a rounding (1919×944 and 1906×940; 1906×940 and
 * 1902×939, whose height a resample to 1902 px wide would round to 938). Only nearly one size matters here (a
 * resize to 97.5 % or more), which real copies seldom are, while captures a few pixels apart are common: a tool
 * that rounds down would have its copies compared as captures.
 */
export function mayBeResampled(a: Size, b: Size): boolean {
  // The factors that round each side of `from` to that of `to` form an interval: one factor must serve both.
  const oneWay = (from: Size, to: Size): boolean =>
    Math.max((to.width - ROUNDING) / from.width, (to.height - ROUNDING) / from.height) <=
    Math.min((to.width + ROUNDING) / from.width, (to.height + ROUNDING) / from.height);
  return oneWay(a, b) || oneWay(b, a);
}

/**
 * Two captures of one screen cropped a few pixels apart: of nearly one size, and of sizes no resample gives.
 * Like two rasters of one size, nothing resampled them against each other: aligned, they differ only where the
 * screen changed.
 */
export function recaptured(a: Size, b: Size): boolean {
  return nearlyOneSize(a, b) && !mayBeResampled(a, b);
}

/**
 * One image twice the other's size, to a pixel (`x@2x.png` and `x.png`, a retina capture and its 1x): the
 * larger is halved as a downscaling tool would (halvings) and compared with the smaller at its own resolution.
 * Resampled, the copies of one drawing differ along edges — at most 3.6 % of the pixels on the labelled real
 * pairs (exports of one logo at 1x and 2x, Bootstrap's example pages, favicons, sprites), changing at most 0.02
 * of a tile when under 1 % — so the pair is held to MAX_LOCAL_EDIT_SHARE, like an SVG's render. Two captures
 * of one editor annotated in other places (ionic-docs) differ in 0.22 % and change whole tiles.
 */
export function doubleSize(a: Size, b: Size): boolean {
  const [small, large] = a.width <= b.width ? [a, b] : [b, a];
  return Math.abs(large.width - 2 * small.width) <= 1 && Math.abs(large.height - 2 * small.height) <= 1;
}
