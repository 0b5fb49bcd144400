/**
 * The whole verification of a candidate pair: the thumbnail checks (`compare`, pure and cheap) first, then,
 * for graphics only (icons, logos, screenshots, diagrams — photos tolerate global edits and are settled by
 * the thumbnails), the detail check at the smaller image's own resolution (detail.ts), and for two lossless
 * images of (nearly) one size the local-edit check, pixel for pixel (local-edit.ts); for two partly drawn lossy
 * pictures (blog covers, banners) the replaced-content check (replaced-content.ts). Pixels are asked for only
 * when the cheap checks pass, so most pairs never decode anything.
 */
import { MAX_LOCAL_EDIT_PIXELS, type ExactRaster, type Fingerprint } from './decode';
import { compare, correlation, isGraphic, maxBlockDifference } from './compare';
import { hammingDistance, THUMB, transformImage } from './pdq';
import { DEFAULT_NEAR_THRESHOLDS, type NearThresholds } from './thresholds';
import { detailDifference, MAX_CHANGED_TILE_AT_ONE_SIZE, sameDrawing } from './detail';
import { DETAIL_MAX, type DetailRaster, type GreyRaster } from './detail-raster';
import { isLocalEdit, localEdit, oneCanvas, sourcesOf } from './local-edit';
import { doubleSize, nearlyOneSize, recaptured, sameSize } from './canvas-size';
import { MIN_REPLACED_TILES, replacedTiles } from './replaced-content';

/**
 * Where verification reads one side's pixels, only when a check needs them; each gives undefined when they
 * cannot be had (the file changed or went).
 */
export interface PixelSource {
  /** The detail raster (detail-raster.ts), cached by the caller. */
  detail: () => Promise<DetailRaster | undefined>;
  /**
   * The exact pixels at the size they are compared (decode.ts decodeExact: halved past MAX_LOCAL_EDIT_PIXELS),
   * for a pair that may be one canvas edited locally.
   */
  exact: () => Promise<ExactRaster | undefined>;
  /** The fine raster (detail-raster.ts decodeFine), for a pair that may have content drawn anew (replaced-content.ts). */
  fine: () => Promise<GreyRaster | undefined>;
}

/**
 * The version of these rules. A similarity graph saved under other rules is verified again
 * (similarity-graph.ts): an upgrade must not keep the groups its fixes split.
 */
export const VERIFICATION_RULES = 15;

/**
 * Graphics are checked in detail: local and colour differences matter there at any size. A graphic and a
 * lossy photograph (JPEG, lossy WebP) are checked when the graphic is lossless; two lossy images when both
 * are graphics — the steps of one diagram or two versions of a UI screenshot saved as JPEG
 * (react-native-website) — but not otherwise: lossy photographs differ by global edits (contrast, a crop, a
 * re-encoding) that a per-tile comparison would take for local ones. Two lossless images are checked in
 * detail whatever their flatness: screenshots (PNG, GIF) of a busy dashboard are not flat, and another
 * number in a table or an open menu is a local difference; lossless copies of a photo differ by nothing.
 * Two light screenshots are checked whatever their formats, and a lossy one with a lossy partly drawn picture
 * (screenAndDrawing).
 */
export function needsDetail(a: Fingerprint, b: Fingerprint, t: NearThresholds): boolean {
  const graphicA = isGraphic(a, t);
  const graphicB = isGraphic(b, t);
  return (
    (graphicA && graphicB) ||
    ((graphicA || graphicB) && (a.lossless || b.lossless)) ||
    (a.lossless && b.lossless) ||
    screenAndDrawing(a, b) ||
    screenAndDrawing(b, a)
  );
}

/**
 * A light screenshot (isLightScreen) and a light screenshot, whatever their formats, or a lossy light
 * screenshot and a lossy, opaque, partly drawn picture: screens of one app. A 4K capture saved as lossy WebP with a
 * dark sidebar, or a page dimmed behind a drawer, is partly drawn but neither light nor a graphic (flatness
 * 0.22–0.30), and its thumbnail agrees at 0.88–0.91 with other light pages of that app, even of other
 * proportions (directus/docs: five such pairs, all other pages). No image of the photo benchmark is a light
 * screen, so no photograph and its edits are held so. Not a lossless screen and a lossy picture: the one such
 * labelled pair is one diagram exported twice with other margins and spacing (cilium.io, a PNG and a JPEG),
 * which the detail check cannot align. Nor a transparent picture, which no capture is: a colour wheel on
 * transparency and its copy flattened on white (uswds-site) differ in the detail check by the white.
 */
function screenAndDrawing(screen: Fingerprint, other: Fingerprint): boolean {
  if (!isLightScreen(screen)) return false;
  return isLightScreen(other) || (!screen.lossless && !other.lossless && !other.transparent && partlyDrawn(other));
}

/** A cell of the 4×4 chroma grid this close to grey (distance of Cb, Cr from neutral) is colourless. */
const NEUTRAL_CHROMA = 5;
/** Colourless cells, of 16, a light screenshot has at least. */
const SCREEN_NEUTRAL_CELLS = 7;
/** Mean thumbnail luma (0..255) a light screenshot has at least: a white page with dark text and thin bars. */
const SCREEN_LUMA = 220;

/**
 * A screenshot of a light user interface, or a diagram on white, whatever its format: mostly colourless and
 * light. Two of them are checked in detail even as JPEGs: the Jaeger screens of six other traces and one
 * diagram with other arrows (opentelemetry.io) passed the thumbnails at 0.88–0.97, and the detail check tells
 * each apart. Measured on the screens of the labelled sites: 7–16 colourless cells, luma 220–250. No image
 * of the photo benchmark (2 170 opaque lossy rasters) is one: the lightest with 5 colourless cells or more is
 * a brightness edit at luma 213. Flatness is no part of it: a JPEG's noise or a faint pattern behind a page
 * leaves few flat cells — two Prometheus graph pages with other series (openyurt.io) have flatness 0.09 and
 * 0.13, a dashboard 0.05, a logo on a baked-in checkerboard 0.003 — while a photograph's flatness ranges
 * 0.03–0.34 whatever its light (the brightened pyramids).
 */
export function isLightScreen(f: Fingerprint): boolean {
  if (f.transparent) return false;
  let neutral = 0;
  for (let cell = 0; cell < 16; cell++) if (Math.hypot(f.chroma[2 * cell] - 128, f.chroma[2 * cell + 1] - 128) <= NEUTRAL_CHROMA) neutral++;
  if (neutral < SCREEN_NEUTRAL_CELLS) return false;
  let luma = 0;
  for (const value of f.thumb) luma += value;
  return luma / f.thumb.length >= SCREEN_LUMA;
}

/**
 * Two rasters of one stored size, each a graphic or lossless: the detail check holds them to
 * MAX_CHANGED_TILE_AT_ONE_SIZE. A lossless screenshot that is not flat (a busy table) is held like a graphic:
 * two states of one books app, 13 and 15 rows with another banner, change 0.44 of a tile (linkerd/website).
 * (SVGs are rendered at sizes of their own; lossy photographs differ by their losses and by global edits.)
 * Two lossy graphics the pixel check compares (lossyScreens) are held by it, at their own resolution, and
 * not here: a JPEG's losses move the detail raster's colours around every glyph, so a text-heavy card saved
 * again at quality 70 changes 0.31 of a tile.
 */
export function atOneSize(a: Fingerprint, b: Fingerprint, t: NearThresholds): boolean {
  const raster = (f: Fingerprint): boolean => f.format !== 'svg' && (f.lossless || isGraphic(f, t));
  const pixelChecked = lossyScreens(a, b, t) && mayBeLocalEdit(a, b, t);
  return sameSize(a, b) && raster(a) && raster(b) && !pixelChecked;
}

/**
 * Thumbnail hashes two lossless raster encodings of the same pixels can be apart: libvips shrinks a WebP on
 * load with libwebp's own scaler, a PNG with its own, so the PNG and lossless WebP of one photo are 2 to 6 bits
 * apart (of 256) though their pixels are identical.
 */
export const LOSSLESS_TWIN_RADIUS = 8;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * Two contents that may show the same pixels, worth a full decode each (pixel digests) before any other check:
 * the same size, and the same thumbnail hash or two lossless rasters whose hashes are within
 * LOSSLESS_TWIN_RADIUS — but not two JPEGs quantized with other tables (another quality: jpegCodingTables),
 * nor two lossy encodings by other codecs (a JPEG and a lossy WebP): their losses differ. If such a pair did
 * show one picture, it would still be grouped, as `near` at about 100 %, not as `pixel`. Settling such a pair as `pixel` spares it the thumbnail and the detail check (two
 * lossless images always get the detail check, the most costly part of verification). SVGs are left out: their
 * digest is a render, not a decode, and two renders of one size are twins only if their hashes are equal.
 */
export function mayBePixelTwins(a: Fingerprint, b: Fingerprint): boolean {
  if (a.animated || b.animated) return false; // a digest is of the first frame (Fingerprint.animated)
  if (!sameSize(a, b)) return false;
  if (a.jpegTables && b.jpegTables && !sameBytes(a.jpegTables, b.jpegTables)) return false;
  if (!a.lossless && !b.lossless && a.format !== b.format) return false;
  const distance = hammingDistance(a.hash, b.hash);
  if (distance === 0) return true;
  const losslessRaster = (f: Fingerprint): boolean => f.lossless && f.format !== 'svg';
  return distance <= LOSSLESS_TWIN_RADIUS && losslessRaster(a) && losslessRaster(b);
}

/**
 * The detail verdict on two rasters: true when they show one drawing (pure; worker threads can run it).
 * `oneSize`: their images are graphics of one size (atOneSize), held to MAX_CHANGED_TILE_AT_ONE_SIZE;
 * `lossy`: either image is lossy (detailDifference).
 */
export function detailAgrees(a: DetailRaster, b: DetailRaster, oneSize: boolean, lossy: boolean): boolean {
  const difference = detailDifference(a, b, lossy);
  return difference !== undefined && sameDrawing(difference) && (!oneSize || difference.changedTile <= MAX_CHANGED_TILE_AT_ONE_SIZE);
}

/**
 * Two lossless images of one size or nearly (canvas-size.ts nearlyOneSize), or one twice the other's size
 * (halvedToCompare), small enough to compare pixel for pixel: they may be one canvas edited in a few places.
 * Two partly drawn JPEGs of one size written with the same quantization tables (oneJpegSetting) are compared
 * so too, and two lossy graphics of one size or recaptured (lossyScreens). Other lossy images are not:
 * photographs tolerate a local edit (a watermark) where drawn pictures do not. Past MAX_LOCAL_EDIT_PIXELS, only
 * two images of one size, halved alike.
 */
export function mayBeLocalEdit(a: Fingerprint, b: Fingerprint, t: NearThresholds = DEFAULT_NEAR_THRESHOLDS): boolean {
  return (
    ((a.lossless && b.lossless && (nearlyOneSize(a, b) || halvedToCompare(a, b))) ||
      (oneJpegSetting(a, b) && partlyDrawn(a) && partlyDrawn(b)) ||
      lossyScreens(a, b, t)) &&
    (Math.max(a.width * a.height, b.width * b.height) <= MAX_LOCAL_EDIT_PIXELS || sameSize(a, b))
  );
}

/**
 * One image twice the other's size (canvas-size.ts doubleSize), the smaller larger than a detail raster:
 * compared pixel for pixel once the larger is halved. Smaller, the detail check already compares them at its
 * resolution.
 */
function halvedToCompare(a: Fingerprint, b: Fingerprint): boolean {
  const smallerSide = Math.min(Math.max(a.width, a.height), Math.max(b.width, b.height));
  return doubleSize(a, b) && smallerSide > DETAIL_MAX;
}

/**
 * Two lossy graphics (compare.ts isGraphic: flat or transparent, drawn) of one size, or two captures of one
 * screen cropped a few pixels apart (recaptured), or a capture and one of half its size (halvedToCompare, as
 * two lossless images are): screens, wizards and charts saved as JPEG or lossy WebP. A 4K capture of one page
 * and a 1080p one of another (directus/docs) change 0.44 of a tile at the detail check's 512 px, whole tiles
 * halved. Their encoders' losses stay under the local-edit check's channel threshold, so what passes it was
 * drawn. Measured on the 30 labelled sites (bench/realworld-extra), every pair of two lossy images of one size
 * or recaptured: the 15 `same` ones differ in no pixel past that threshold, the 21 `different` ones that fit
 * MAX_LOCAL_EDIT_PIXELS are all local edits — two wizard screens of one console (kubevirt), two app screens
 * (react-native-website, ionic-docs). Only graphics: the photo benchmark's partly flat photographs (a duck on a
 * black pond, flatness 0.23) and their blurred, brightened or watermarked copies are local edits too, and
 * none of its lossy pairs is two graphics.
 */
function lossyScreens(a: Fingerprint, b: Fingerprint, t: NearThresholds): boolean {
  const lossyGraphic = (f: Fingerprint): boolean => !f.lossless && !f.animated && f.format !== 'svg' && isGraphic(f, t);
  const sizes = sameSize(a, b) || recaptured(a, b) || halvedToCompare(a, b);
  return lossyGraphic(a) && lossyGraphic(b) && sizes;
}

/**
 * Two JPEGs of one size quantized with the same tables (jpeg-source.ts jpegCodingTables): one encoder at
 * one setting wrote both, so where one picture's copies would differ by that encoder's losses alone, what
 * else differs was drawn — as between two lossless images, which are held so. Measured on the 26 labelled
 * sites (bench/realworld-extra): of such pairs, the 9 `same` ones differ in no pixel past the local-edit
 * check's channel threshold (re-saved photographs), and the 10 `different` ones that fit MAX_LOCAL_EDIT_PIXELS
 * are local edits: Grafana charts of other runs and title cards of one series with other titles
 * (cilium.io), two states of one app screen (ionic-docs), one diagram with other arrows
 * (opentelemetry.io). Only partly drawn pictures are held so (mayBeLocalEdit). The photo benchmark's edited
 * copies of one photograph share sharp's tables, and a watermarked one is a local edit of the brightened one:
 * held so whatever their flatness, a cold scan of that corpus left 24 of its 2 362 group members out of their
 * groups; partly drawn ones only, 5 (edits of drawings saved as JPEG). Its labelled pairs are each an
 * original and one copy, and the only copies with the original's tables are its byte and metadata copies
 * (234 pairs, none an edit): its scores are unchanged.
 */
export function oneJpegSetting(a: Fingerprint, b: Fingerprint): boolean {
  return (
    a.format === 'jpeg' &&
    b.format === 'jpeg' &&
    sameSize(a, b) &&
    a.jpegTables !== undefined &&
    b.jpegTables !== undefined &&
    sameBytes(a.jpegTables, b.jpegTables)
  );
}

/**
 * Flatness from which a lossy picture is partly drawn (a blog cover, a banner, a UI screenshot saved as
 * JPEG): the covers of linkerd/website 0.11–0.16. Half of the photo benchmark's images are under 0.02 and
 * 89 % under 0.1, so few photographs pay for a fine decode.
 */
const PARTLY_DRAWN_FLATNESS = 0.1;

function partlyDrawn(f: Fingerprint): boolean {
  return f.format !== 'svg' && f.flatness >= PARTLY_DRAWN_FLATNESS;
}

/**
 * Thumbnail difference (compare.ts maxBlockDifference: the largest over the 4×4 blocks of the 32×32
 * thumbnails, after a brightness and contrast fit) from which content may have been drawn anew. A portrait replaced on a cover
 * shows there: the labelled covers 12.6–46. Copies that only differ globally stay under it (the photo
 * benchmark's re-encodings, resizes, blurs: 0.4–6.5), so their fine rasters are never decoded.
 */
const MIN_LOCAL_THUMBNAIL_DIFFERENCE = 8;

/** The identity maps b's thumbnail onto a's better than any flip or rotation does (a flipped copy is not edge-aligned). */
function plainOrientation(a: Fingerprint, b: Fingerprint): boolean {
  const plain = correlation(a.thumb, b.thumb);
  for (let d = 1; d < 8; d++) if (correlation(a.thumb, transformImage(b.thumb, THUMB, d)) > plain) return false;
  return true;
}

/**
 * Two partly drawn raster pictures that the detail check leaves alone (lossy, not graphics), in one
 * orientation, whose thumbnails differ somewhere: one template with content drawn anew in one copy
 * (replaced-content.ts) is a pair of these.
 */
export function mayHaveReplacedContent(a: Fingerprint, b: Fingerprint, t: NearThresholds): boolean {
  return (
    !needsDetail(a, b, t) &&
    partlyDrawn(a) &&
    partlyDrawn(b) &&
    plainOrientation(a, b) &&
    // Either way round (the fit is of one onto the other), so that a pair gets one verdict.
    Math.max(maxBlockDifference(a.thumb, b.thumb), maxBlockDifference(b.thumb, a.thumb)) >= MIN_LOCAL_THUMBNAIL_DIFFERENCE
  );
}

/**
 * The checks of a pair's pixels, which only veto: false when the local-edit check, the detail check or the
 * replaced-content check tells the two apart. True when none applies or their pixels cannot be had, and when
 * the local-edit check finds one canvas unedited (local-edit.ts oneCanvas): its verdict at the images' own
 * resolution stands over the detail check's at a smaller one. Two lossy rasters of other encoders or settings
 * (Sources `lossy`) are never one canvas unedited — their pixels differ nearly everywhere, where oneCanvas
 * allows 1 % — so for them the local-edit check can only veto, and the detail check, on small rasters a cache
 * keeps, goes first: a pair it tells apart costs no full decode (a 4K WebP takes 0.4–0.8 s; directus/docs,
 * a thousand of them in one scan).
 */
export async function pixelsAgree(
  a: Fingerprint,
  b: Fingerprint,
  t: NearThresholds,
  sourceA: PixelSource,
  sourceB: PixelSource,
): Promise<boolean> {
  const sources = sourcesOf(a, b, oneJpegSetting(a, b));
  const detailFirst = sources === 'lossy';
  if (detailFirst && !(await detailAgreesOn(a, b, t, sourceA, sourceB))) return false;
  if (mayBeLocalEdit(a, b, t)) {
    const [ea, eb] = await Promise.all([sourceA.exact(), sourceB.exact()]);
    const edit = ea && eb && localEdit(ea, eb, sources);
    if (edit && isLocalEdit(edit, sources)) return false;
    // The same pixels at their own resolution: the detail check, which compares them resampled and
    // misregistered by a crop of a few pixels, has nothing to add.
    if (edit && oneCanvas(edit, sources)) return true;
  }
  if (!detailFirst && !(await detailAgreesOn(a, b, t, sourceA, sourceB))) return false;
  if (mayHaveReplacedContent(a, b, t)) {
    const [fa, fb] = await Promise.all([sourceA.fine(), sourceB.fine()]);
    if (fa && fb && (replacedTiles(fa, fb) ?? 0) >= MIN_REPLACED_TILES) return false;
  }
  return true;
}

/** The detail check's verdict on a pair: true when it does not apply or their rasters cannot be had. */
async function detailAgreesOn(
  a: Fingerprint,
  b: Fingerprint,
  t: NearThresholds,
  sourceA: PixelSource,
  sourceB: PixelSource,
): Promise<boolean> {
  if (!needsDetail(a, b, t)) return true;
  const [ra, rb] = await Promise.all([sourceA.detail(), sourceB.detail()]);
  return !ra || !rb || detailAgrees(ra, rb, atOneSize(a, b, t), !a.lossless || !b.lossless);
}

/**
 * Verified similarity in (0, 1] of a candidate pair, or undefined. The similarity is the thumbnail measure;
 * the pixel checks only veto. Without pixel sources the thumbnail verdict stands.
 */
export async function verifyPair(
  a: Fingerprint,
  b: Fingerprint,
  t: NearThresholds,
  sourceA?: PixelSource,
  sourceB?: PixelSource,
): Promise<number | undefined> {
  const similarity = compare(a, b, t);
  if (similarity === undefined || !sourceA || !sourceB) return similarity;
  return (await pixelsAgree(a, b, t, sourceA, sourceB)) ? similarity : undefined;
}
