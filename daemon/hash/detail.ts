/**
 * Detail verification: where a graphic, a screenshot or a diagram differs. The fingerprint's 32×32 thumbnail
 * and 8×8 chroma grid cannot see a changed word, a lighter shade of one blue or another glyph in a button;
 * these do not survive at the images' own resolution. A candidate pair that passed the thumbnail checks is
 * compared again on a detail raster of each content (at most DETAIL_MAX px on the long side, decoded once per
 * content and cached by the caller): both are trimmed to their content (transparent margins, padding of the
 * background colour), brought to the smaller one's size, converted to CIELAB and compared per tile with a
 * perceptual colour difference (colour-difference.ts). The largest tile difference decides: a global edit
 * spreads over every tile, a local one concentrates in a few; the ink colour measures (ink-colour.ts) catch
 * colour variants of one drawing, and ink one image adds on bare page (added-ink.ts) the steps of one
 * diagram, whose added hairlines and labels are too faint at this size to change a tile; page one shows where
 * the other is solid ink, the other glyph cut out of one filled badge.
 *
 * `detailDifference` is a pure function of two rasters (worker threads can run it); `decodeDetail`
 * (detail-raster.ts) is the only part that reads pixels.
 */
import type { DetailRaster } from './detail-raster';
import { cielab, deltaE, histogramMedian, MEDIAN_BINS, MEDIAN_STEPS, SRGB_TO_LINEAR, type LabImage } from './colour-difference';
import { inkColours, inkMasks } from './ink-colour';
import { cropAlignment } from './detail-crop';
import { addedInkTiles, cutOutTiles, FAINT_INK_DELTA } from './added-ink';
import { DEFAULT_NEAR_THRESHOLDS } from './thresholds';
import { blur3, labRegion, TILE, type Box, type Flat } from './detail-lab';

/** The most common of the four corner pixels (RGBA packed): the background a drawing sits on. */
function cornerColour(r: DetailRaster): number {
  const at = (x: number, y: number): number => {
    const i = 4 * (y * r.width + x);
    return ((r.rgba[i] << 24) | (r.rgba[i + 1] << 16) | (r.rgba[i + 2] << 8) | r.rgba[i + 3]) >>> 0;
  };
  const corners = [at(0, 0), at(r.width - 1, 0), at(0, r.height - 1), at(r.width - 1, r.height - 1)];
  let best = corners[0],
    bestCount = 0;
  for (const c of corners) {
    const n = corners.filter((d) => d === c).length;
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  return best;
}

/** Alpha-weighted mean luminance (0..1, linear) of the visible pixels: light drawings are meant for dark pages. */
function inkLuminance(r: DetailRaster): number {
  let s = 0,
    n = 0;
  for (let i = 0; i < r.rgba.length; i += 4) {
    const alpha = r.rgba[i + 3];
    if (alpha === 0) continue; // adds 0 to both sums
    const a = alpha / 255;
    s += a * (0.2126 * SRGB_TO_LINEAR[r.rgba[i]] + 0.7152 * SRGB_TO_LINEAR[r.rgba[i + 1]] + 0.0722 * SRGB_TO_LINEAR[r.rgba[i + 2]]);
    n += a;
  }
  return n > 0 ? s / n : 0;
}

export function flatten(r: DetailRaster, bg: [number, number, number]): Flat {
  const pixels = r.width * r.height;
  const alpha = new Float32Array(pixels);
  if (everyPixelOpaque(r)) {
    // Composited on any page, an opaque pixel is its own colour: one plane serves as both (a third of the work).
    const rgb = new Float32Array(pixels * 3);
    for (let i = 0, o = 0; i < r.rgba.length; i += 4, o += 3) {
      rgb[o] = SRGB_TO_LINEAR[r.rgba[i]];
      rgb[o + 1] = SRGB_TO_LINEAR[r.rgba[i + 1]];
      rgb[o + 2] = SRGB_TO_LINEAR[r.rgba[i + 2]];
    }
    alpha.fill(1);
    return { w: r.width, h: r.height, rgb, premultiplied: rgb, alpha };
  }
  const rgb = new Float32Array(pixels * 3);
  const premultiplied = new Float32Array(pixels * 3);
  const [pageR, pageG, pageB] = bg;
  for (let i = 0, o = 0, j = 0; i < r.rgba.length; i += 4, o += 3, j++) {
    const a = r.rgba[i + 3] / 255;
    alpha[j] = a;
    // The composite adds the page to the stored (single-precision) premultiplied colour, as it always has.
    const red = Math.fround(a * SRGB_TO_LINEAR[r.rgba[i]]),
      green = Math.fround(a * SRGB_TO_LINEAR[r.rgba[i + 1]]),
      blue = Math.fround(a * SRGB_TO_LINEAR[r.rgba[i + 2]]);
    const rest = 1 - a;
    premultiplied[o] = red;
    premultiplied[o + 1] = green;
    premultiplied[o + 2] = blue;
    rgb[o] = red + rest * pageR;
    rgb[o + 1] = green + rest * pageG;
    rgb[o + 2] = blue + rest * pageB;
  }
  return { w: r.width, h: r.height, rgb, premultiplied, alpha };
}

/** Alpha 255 everywhere (`transparent` is false from alpha 250 up: a nearly opaque pixel still mixes with the page). */
function everyPixelOpaque(r: DetailRaster): boolean {
  if (r.transparent) return false;
  for (let i = 3; i < r.rgba.length; i += 4) if (r.rgba[i] !== 255) return false;
  return true;
}

type Rgb = [number, number, number];

/** Linear RGB of an opaque raster's background: the colour most of its four corners agree on. */
function cornerBackground(r: DetailRaster): Rgb {
  const c = cornerColour(r);
  return [SRGB_TO_LINEAR[c >>> 24], SRGB_TO_LINEAR[(c >>> 16) & 255], SRGB_TO_LINEAR[(c >>> 8) & 255]];
}

/**
 * Both rasters as they show on one page, with the page colour of each: an opaque one as it is, on its corner
 * colour; a transparent one on the other's page, or, both transparent, on white — black when the drawing is
 * light (a white logo).
 */
interface OnePage {
  fa: Flat;
  fb: Flat;
  pageA: Rgb;
  pageB: Rgb;
}

function onOnePage(a: DetailRaster, b: DetailRaster): OnePage {
  let pageA: Rgb, pageB: Rgb;
  if (!a.transparent && !b.transparent) {
    pageA = cornerBackground(a);
    pageB = cornerBackground(b);
  } else if (!a.transparent) pageA = pageB = cornerBackground(a);
  else if (!b.transparent) pageA = pageB = cornerBackground(b);
  else pageA = pageB = Math.min(inkLuminance(a), inkLuminance(b)) > 0.6 ? [0, 0, 0] : [1, 1, 1];
  return { fa: flatten(a, pageA), fb: flatten(b, pageB), pageA, pageB };
}

/**
 * Largest linear-RGB channel difference under which a pixel counts as background when trimming: #F9F9F9 on
 * white is page (a screenshot's light backdrop, kept in one copy and cut out in the other).
 */
const TRIM_TOLERANCE = 0.06;

/** Bounding box of what differs from the page colour (margins, padding). */
function contentBox(f: Flat, page: Rgb): Box {
  let x0 = f.w,
    y0 = f.h,
    x1 = 0,
    y1 = 0;
  for (let y = 0; y < f.h; y++) {
    for (let x = 0; x < f.w; x++) {
      const i = 3 * (y * f.w + x);
      if (Math.max(Math.abs(f.rgb[i] - page[0]), Math.abs(f.rgb[i + 1] - page[1]), Math.abs(f.rgb[i + 2] - page[2])) <= TRIM_TOLERANCE)
        continue;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
    }
  }
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : { x0: 0, y0: 0, x1: f.w, y1: f.h };
}

export interface DetailDifference {
  /**
   * Median colour difference (ΔE, see deltaE; after a 3×3 blur) over the ink of either image (pixels that
   * are not the page colour). A colour variant shifts all of its ink; a re-encoding or a retina pair differs
   * only along edges.
   */
  inkMedian: number;
  /**
   * The largest fraction, over the tiles, of a tile's pixels that changed (no pixel of the other image within
   * one pixel has their colour, CHANGED_DELTA): a changed glyph, word or state of a sprite concentrates there,
   * while resampling and a one-pixel shift do not count.
   */
  changedTile: number;
  /**
   * Median, over the pixels both images cover that are ink in either, of the colour difference of the inks
   * themselves (ΔE, straight colours, the closest within one pixel): a stroke recoloured from one blue to
   * another, too thin for the blurred ink median to see. 0 when fewer than MIN_INK_PIXELS such pixels.
   */
  inkColour: number;
  /**
   * The fraction of those pixels whose ink changed colour outright (more than RECOLOURED_DELTA): the coloured
   * frame and check mark of one skin of a sprite that is grey elsewhere.
   */
  recolouredInk: number;
  /**
   * How many tiles hold ink that one image adds where the other has none nearby (added-ink.ts): the label,
   * box or arrow a later step of a diagram adds, faint at the compared size but drawn on bare page.
   */
  addedInkTiles: number;
  /**
   * How many tiles hold page one image shows where the other is solid ink (added-ink.ts cutOutTiles): a
   * glyph cut out of a filled shape, which changes no ink and adds none.
   */
  cutOutTiles: number;
  /** The size the two were compared at (the smaller trimmed content). */
  width: number;
  height: number;
}

/** Above this median ink difference two graphics are colour variants (black and #1B1B1B are about 6 apart, hover shades 8 and more). */
export const MAX_INK_MEDIAN = 7.5;
/** Above this fraction of changed pixels in one tile two graphics differ locally. */
export const MAX_CHANGED_TILE = 0.5;
/**
 * The same, for two rasters of one size, graphics or lossless (verify.ts atOneSize): no resampling stands
 * between them, so a changed pixel is a drawn one. Measured: every same-size copy among the labelled real
 * pairs changed no tile at all (0.00), the benchmark's same-size re-encodings of transparent stamps (PNG,
 * WebP, JPEG q30–q70, blur) 0.11–0.27 and lossless copies of a photograph 0.16; one screenshot with a menu
 * opened and two device frames (ionic-docs) 0.38–0.41, two states of one books app (linkerd/website) 0.44.
 */
export const MAX_CHANGED_TILE_AT_ONE_SIZE = 0.3;

/** Above this ink colour difference two graphics are colour variants (the ink median's threshold, on the inks themselves). */
export const MAX_INK_COLOUR = MAX_INK_MEDIAN;
/**
 * Above this fraction of recoloured ink two graphics are colour variants even when most of their ink is
 * shared (a sprite's grey frames with one coloured state). Exports of one logo recolour up to 15 % (the
 * edges of a JPEG or of a small favicon), the skins of a sprite 27 % and more.
 */
export const MAX_RECOLOURED_INK = 0.2;
/**
 * From this many tiles of added ink two graphics are two drawings. Measured on the labelled real pairs that
 * reach the detail check: every `same` pair adds ink in at most one tile (a copy's thicker stroke ending
 * past the other's reach); the steps of one architecture diagram (react-native-website) 4 to 60, one chart
 * with a mean line added 48, one screen with a "Not found" banner 7 (linkerd/website). The same count holds
 * for tiles of page cut out of ink (cutOutTiles): a plus and an exclamation mark cut out of one filled circle
 * (falco.org, the only such labelled `different` pair) 12; every `near` pair of two SVGs the labelled sites
 * group (78, 63 of them labelled `same`, most of them GitHub's octicons at 16 and 24 px) 0, and no grouped
 * pair of 26 labelled sites changed but that one.
 */
export const MIN_ADDED_INK_TILES = 3;

/** The verdict on a detail difference: one drawing (true) or two. */
export function sameDrawing(d: DetailDifference): boolean {
  return (
    d.inkMedian <= MAX_INK_MEDIAN &&
    d.changedTile <= MAX_CHANGED_TILE &&
    d.inkColour <= MAX_INK_COLOUR &&
    d.recolouredInk <= MAX_RECOLOURED_INK &&
    d.addedInkTiles < MIN_ADDED_INK_TILES &&
    d.cutOutTiles < MIN_ADDED_INK_TILES
  );
}

/** Trimmed content boxes whose aspect ratios differ by more than this (log) are not one drawing. */
const MAX_ASPECT_LOG = 0.15;

function aspect(b: Box): number {
  return (b.x1 - b.x0) / (b.y1 - b.y0);
}

/**
 * Two rasters of one canvas at two sizes: scaled to the other's width, each one's height is the other's within
 * two roundings — the copy's resize and the detail raster's own, where canvas-size.ts mayBeResampled allows one.
 */
function sameProportions(a: DetailRaster, b: DetailRaster): boolean {
  const ROUNDINGS = 1.5;
  return (
    Math.abs((a.height * b.width) / a.width - b.height) <= ROUNDINGS && Math.abs((b.height * a.width) / b.width - a.height) <= ROUNDINGS
  );
}

/**
 * Where and how much two detail rasters differ, at the smaller one's resolution, on their trimmed content —
 * or, when that says two drawings, on the region of one that the other shows if one is a crop of the other
 * (detail-crop.ts: a crop that cuts into a drawing has another content box). Undefined when the contents do
 * not have the same proportions (not one drawing at two sizes) and neither is a crop of the other.
 * `lossy`: either image is lossy. Two such rasters of one canvas are first compared frame to frame, because a
 * lossy copy's ringing moves a trimmed box: a banner saved again at JPEG quality 70 gains 8 rows of 264 below
 * its content, the two boxes resampled to one size no longer align, and 53 tiles seemed to add ink; frame to
 * frame, none does. Not for two lossless images, whose boxes hold: two Bootstrap example pages of one layout
 * ("navbar-fixed" and "navbar-static", gentelella) differ in 0.53 of a tile trimmed, 0.39 frame to frame.
 */
export function detailDifference(a: DetailRaster, b: DetailRaster, lossy = false): DetailDifference | undefined {
  const page = onOnePage(a, b);
  const { fa, fb, pageA, pageB } = page;
  const full = (r: DetailRaster): Box => ({ x0: 0, y0: 0, x1: r.width, y1: r.height });
  if (lossy && sameProportions(a, b)) {
    const frames = boxesDifference(fa, fb, pageA, pageB, full(a), full(b));
    if (sameDrawing(frames)) return frames;
  }
  const whole = contentDifference(a, b, page);
  if (whole && sameDrawing(whole)) return whole;
  const crop = cropAlignment(a, b, DEFAULT_NEAR_THRESHOLDS.minCropFraction);
  if (!crop) return whole;
  const cropped =
    crop.side === 'a'
      ? boxesDifference(fa, fb, pageA, pageB, crop.region, full(b))
      : boxesDifference(fa, fb, pageA, pageB, full(a), crop.region);
  return sameDrawing(cropped) || !whole ? cropped : whole;
}

function contentDifference(a: DetailRaster, b: DetailRaster, page: OnePage): DetailDifference | undefined {
  const { fa, fb, pageA, pageB } = page;
  let boxA = contentBox(fa, pageA);
  let boxB = contentBox(fb, pageB);
  if (Math.abs(Math.log(aspect(boxA) / aspect(boxB))) > MAX_ASPECT_LOG) {
    boxA = { x0: 0, y0: 0, x1: a.width, y1: a.height };
    boxB = { x0: 0, y0: 0, x1: b.width, y1: b.height };
    if (Math.abs(Math.log(aspect(boxA) / aspect(boxB))) > MAX_ASPECT_LOG) return undefined;
  }
  return boxesDifference(fa, fb, pageA, pageB, boxA, boxB);
}

/** The difference of two regions of two flattened rasters, at the smaller region's size. */
function boxesDifference(fa: Flat, fb: Flat, pageA: Rgb, pageB: Rgb, boxA: Box, boxB: Box): DetailDifference {
  const areaA = (boxA.x1 - boxA.x0) * (boxA.y1 - boxA.y0);
  const areaB = (boxB.x1 - boxB.x0) * (boxB.y1 - boxB.y0);
  const small = areaA <= areaB ? boxA : boxB;
  const w = Math.max(1, Math.round(small.x1 - small.x0));
  const h = Math.max(1, Math.round(small.y1 - small.y0));
  return compareLab(labRegion(fa, boxA, w, h), labRegion(fb, boxB, w, h), pageLab(pageA), pageLab(pageB));
}

function pageLab(page: Rgb): Float32Array {
  const out = new Float32Array(3);
  cielab(page[0], page[1], page[2], out, 0);
  return out;
}

/** A pixel with no pixel of the other image within one pixel closer than this (CIELAB distance) has changed. */
const CHANGED_DELTA = 20;

function compareLab(a: LabImage, b: LabImage, pageA: Float32Array, pageB: Float32Array): DetailDifference {
  const { w, h } = a;
  const tilesX = Math.max(1, Math.round(w / TILE));
  const tilesY = Math.max(1, Math.round(h / TILE));
  const count = new Float64Array(tilesX * tilesY);
  const changed = new Float64Array(tilesX * tilesY);
  // Blurred first: a one-pixel shift of an edge (trim rounding, resampling) is not a difference.
  const ba = blur3(a),
    bb = blur3(b);
  const pa = a.px,
    pb = b.px;
  // Median by histogram (steps of 1/MEDIAN_STEPS ΔE): no sort of 65 000 values per pair.
  const histogram = new Uint32Array(MEDIAN_BINS + 1);
  let inkPixels = 0;
  // Which pixels are ink, once per image: the ink colour measures ask the same.
  const masksA = inkMasks(a, pageA, FAINT_INK_DELTA),
    masksB = inkMasks(b, pageB, FAINT_INK_DELTA);
  const inkA = masksA.ink,
    inkB = masksB.ink;
  for (let y = 0; y < h; y++) {
    const ty = Math.min(tilesY - 1, Math.floor((y * tilesY) / h));
    for (let x = 0; x < w; x++) {
      const t = ty * tilesX + Math.min(tilesX - 1, Math.floor((x * tilesX) / w));
      const i = y * w + x;
      const o = 3 * i;
      count[t]++;
      // The same pixel matching settles it; only a mismatch searches the neighbourhood.
      const direct = (pa[o] - pb[o]) ** 2 + (pa[o + 1] - pb[o + 1]) ** 2 + (pa[o + 2] - pb[o + 2]) ** 2;
      if (direct > CHANGED_DELTA * CHANGED_DELTA && (unmatched(pa, pb, w, h, x, y) || unmatched(pb, pa, w, h, x, y))) changed[t]++;
      if (inkA[i] || inkB[i]) {
        const d = deltaE(ba[o], ba[o + 1], ba[o + 2], bb[o], bb[o + 1], bb[o + 2]);
        histogram[Math.min(MEDIAN_BINS, Math.floor(d * MEDIAN_STEPS))]++;
        inkPixels++;
      }
    }
  }
  const inkMedian = histogramMedian(histogram, inkPixels);
  const pagesMatch = samePage(pageA, pageB);
  let changedTile = 0;
  for (let t = 0; t < count.length; t++) if (count[t]) changedTile = Math.max(changedTile, changed[t] / count[t]);
  return {
    inkMedian,
    changedTile,
    ...inkColours(a, b, pageA, pageB, inkA, inkB),
    // Ink is read against each image's page: only pages of one colour make the two readings comparable (a
    // banner and its crop have their gradient's colours at their corners, and every ink contour moves). Read
    // against one page for both instead, fluxcd and spinnaker scored the same: no second reading is made.
    addedInkTiles: pagesMatch ? addedInkTiles(inkA, inkB, masksA.faint, masksB.faint, w, h) : 0,
    cutOutTiles: pagesMatch ? cutOutTiles(inkA, inkB, masksA.faint, masksB.faint, w, h) : 0,
    width: w,
    height: h,
  };
}

/** Two page colours (CIELAB) no further apart than faint ink is from its page. */
function samePage(pageA: Float32Array, pageB: Float32Array): boolean {
  return deltaE(pageA[0], pageA[1], pageA[2], pageB[0], pageB[1], pageB[2]) <= FAINT_INK_DELTA;
}

/** No pixel of `q` within one pixel of (x, y) has the colour of `p` at (x, y) (CIELAB distance ≤ CHANGED_DELTA): a one-pixel shift is not a change. */
function unmatched(p: Float32Array, q: Float32Array, w: number, h: number, x: number, y: number): boolean {
  const o = 3 * (y * w + x);
  const limit = CHANGED_DELTA * CHANGED_DELTA;
  for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
      const i = 3 * (yy * w + xx);
      if ((p[o] - q[i]) ** 2 + (p[o + 1] - q[i + 1]) ** 2 + (p[o + 2] - q[i + 2]) ** 2 <= limit) return false;
    }
  }
  return true;
}
