/**
 * Local edits of one picture at its own resolution. Two lossless images of one size, or of nearly one size
 * (two captures of one screen, cropped a few pixels apart), that show the same pixels nearly everywhere once
 * aligned are one canvas: exports of one drawing, or one drawing edited in a few places. The detail check
 * (detail.ts) compares them at most DETAIL_MAX px wide, where a glyph of a 2 500 px banner ("Part 1" /
 * "Part 2", falco-website), a word of a diagram ("Service" / "Serviço", opentelemetry.io) or a field of a
 * 1 800 px dialog (spinnaker.io) shrinks to a fraction of a tile. Here they are compared pixel for pixel,
 * unresampled, on the region both show: what differs, and whether it fills a tile. A 2x image and its 1x
 * are compared the same way once the 2x is halved (doubleSize). Two stored rasters of exactly one size are also
 * searched for faint edits, a light border or a pointer drawn (FAINT_CHANNEL).
 */
import type { ExactRaster } from './decode';
import { TILE } from './detail-lab';
import { MAX_CHANGED_TILE, MAX_CHANGED_TILE_AT_ONE_SIZE } from './detail';
import { resizeByAreaMean } from './raster-resize';
import { doubleSize, mayBeResampled, nearlyOneSize, recaptured, sameSize } from './canvas-size';
import {
  alignment,
  type Alignment,
  type ComparedRaster,
  DIFFERENT_CHANNEL,
  differsAt,
  lumaOnly,
  pixelsOf,
  unmatched,
} from './pixel-alignment';
import { halve, POINT_PHASES, pointHalve } from './halving';
import { paletteReduction } from './palette-reduction';

export interface LocalEdit {
  /**
   * Fraction of the shared region's pixels that differ noticeably (a channel, premultiplied, by more than
   * DIFFERENT_CHANNEL); past the share a local edit may have, a lower bound (counting stops a row after it).
   */
  differingShare: number;
  /** The larger image was halved to compare them (doubleSize): a resample stands between the two. */
  resampled?: boolean;
  /**
   * The largest fraction, over the TILE×TILE tiles, of a tile's pixels that changed: they differ, and no
   * pixel of the other image within one pixel is close to them (antialiasing moved by a pixel is not a change).
   * Measured only when differingShare is within the share a local edit may have (MAX_LOCAL_EDIT_SHARE, or
   * MAX_RASTER_LOCAL_EDIT_SHARE for two images of one source, of one size or recaptured): past it the verdict
   * is known, and a logo on white against the same on transparent differs in most of its pixels, each searched
   * around.
   */
  changedTile?: number;
  /** Fraction of the shared region's pixels that changed (measured with changedTile): an edit spread thin over many tiles. */
  changedShare?: number;
  /**
   * Fraction of the shared region's pixels whose stored values differ at all (transparent ones aside), measured
   * with changedTile: none for one canvas cropped a few pixels otherwise or saved again losslessly (oneCanvas).
   */
  unequalShare?: number;
  /**
   * changedTile again, counting faint differences too (a channel past FAINT_CHANNEL): measured only for two
   * stored rasters of exactly one size that no check above calls an edit, while the faint ones stay within
   * MAX_LOCAL_EDIT_SHARE of the pixels.
   */
  faintTile?: number;
}

/**
 * At most this share of differing pixels, two images are one canvas with local edits. Measured on the
 * labelled real pairs of nearly one size, aligned: exports of one drawing (an SVG and its PNG) differ in
 * 2.5–2.9 % of their pixels, along every edge; the copies that differ in fewer (a favicon and its logo, an
 * SVG logo and its PNG, one slide or one screen captured twice) in at most 0.05 %, changing at most 0.25 of
 * a tile; a banner with another part number 0.03 %, screens of one dialog filled in otherwise 0.2–0.5 %,
 * changing 0.6 of a tile and more.
 */
export const MAX_LOCAL_EDIT_SHARE = 0.01;

/**
 * The same for two images of one source (Sources: two stored rasters, lossless or lossy, or two SVGs rendered
 * here) of exactly one size: nothing resampled or exported them against each other, so only an edit moves their
 * pixels. On the labelled real pairs, raster copies of one image differ in at most 0.01 % of their pixels, or
 * in 55 % and more (a logo on white against the same on transparent); two device frames (ionic-docs), two
 * example pages (Bootstrap) and the skins of one sprite in 1.2–19 %, changing 0.36 of a tile and more; a white
 * outline added around a logo (vitess, two SVGs) in 9 %. Past a quarter of the canvas an edit is no longer
 * local.
 *
 * Also for two captures of one screen cropped a few pixels apart (recaptured): their pixels are not resampled
 * either. Two captures of a dashboard, a trace, a query screen or a dialog in another state differ in 1.4–4.4 %
 * of their pixels and change whole tiles (linkerd/website, knative, opentelemetry.io, spinnaker.io); two
 * captures of one state differ in none.
 *
 * Not for sizes a resample could give (canvas-size.ts mayBeResampled): a copy resized to 99 % of the width
 * differs in 2.5–7 % of its pixels along every edge, changing whole tiles (120 screenshots, diagrams and logos
 * of linkerd/website and spinnaker.io), just as a re-capture does, and nothing measured here tells the two
 * apart.
 */
export const MAX_RASTER_LOCAL_EDIT_SHARE = 0.25;

/**
 * Between two stored rasters of exactly one size, a channel that moves more than this is drawn, however light:
 * nothing was resampled or exported between them (a palette reduction is ruled out first), so a light grey
 * border drawn on a near-white page (25 levels), or a tooltip's pointer (34), is an edit. The design system's
 * "do" and "don't" pictures of one component differ in just such lines (GouvernementFR/dsfr).
 */
const FAINT_CHANNEL = 24;

/**
 * Past this fraction of a tile changed by faint differences (faintTile), two stored rasters of one size are one
 * canvas edited. Measured on the labelled real pairs of this kind: the "do" and "don't" of one tile, one
 * language button and one tooltip, each a border or a pointer added, change 0.25–0.55 (GouvernementFR/dsfr);
 * `same` pairs at most 0.16 (a knative slide exported twice, aligned), a logo and its 200 px favicon 0.09.
 * Checked afterwards on Shopify/polaris: a card given an outline 0.25. A strong difference counts here too,
 * so at one size a text caret drawn in one picture (polaris's "cursor" and "no-cursor" field, 0.25) is an
 * edit; two captures of one dialog cropped apart, its caret blinked off in one (spinnaker.io, 0.25), are held
 * to MAX_CHANGED_TILE_AT_ONE_SIZE. Not seen: a region tinted by under FAINT_CHANNEL (a slider's track, 9
 * levels), and faint differences over MAX_LOCAL_EDIT_SHARE of the pixels, which a favicon generator's 144 px
 * Android and tile icons also have (0.23 of a tile, spinnaker.io) — so a chart with a light bar more (1.5 %,
 * polaris) stays one picture.
 */
export const MAX_FAINT_TILE = 0.2;

/**
 * What made two images' pixels: both are rasters as stored (`stored`), both lossy rasters as stored by other
 * encoders or settings (`lossy`), both SVGs rendered here by one renderer (`rendered`), or one of each (`mixed`:
 * an SVG and its export differ along every edge). Two lossy rasters are held like two stored ones, but by
 * their light alone (pixel-alignment.ts lumaOnly), and their faint differences are not counted
 * (FAINT_CHANNEL): one screen saved as JPEG at quality 90 and at 60 differs faintly around every glyph (0.34
 * of a tile), where its strong differences change none. Two JPEGs one encoder wrote at one setting
 * (`oneSetting`, verify.ts oneJpegSetting: the same tables and chroma sampling) keep colour alike and are
 * `stored`: two Grafana charts of other runs (cilium.io) differ in light in 0.28 of a tile, in colour in 0.38.
 */
export type Sources = 'stored' | 'lossy' | 'rendered' | 'mixed';

export function sourcesOf(a: { format: string; lossless: boolean }, b: { format: string; lossless: boolean }, oneSetting = false): Sources {
  const svgs = Number(a.format === 'svg') + Number(b.format === 'svg');
  if (svgs === 0) return !a.lossless && !b.lossless && !oneSetting ? 'lossy' : 'stored';
  return svgs === 2 ? 'rendered' : 'mixed';
}

/**
 * Undefined when no alignment leaves a shared region of MIN_SHARED_AREA, or when one raster may be a palette
 * reduction of the other (paletteReduction): their differences are the palette's, not an edit. Two images of
 * one source (not `mixed`) may differ in up to MAX_RASTER_LOCAL_EDIT_SHARE of their pixels when they have one
 * size or were recaptured; others in up to MAX_LOCAL_EDIT_SHARE.
 */
export function localEdit(first: ExactRaster, second: ExactRaster, sources: Sources = 'mixed'): LocalEdit | undefined {
  const [raster, other] = sources === 'lossy' ? [lumaOnly(first), lumaOnly(second)] : [first, second];
  // Two renders of SVGs are not palette reductions of each other, whatever colours they hold.
  if (sources !== 'rendered' && paletteReduction(raster, other)) return undefined;
  if (nearlyOneSize(raster, other) || !doubleSize(raster, other)) {
    const oneSize = sameSize(raster, other);
    const at = alignment(pixelsOf(raster), pixelsOf(other));
    if (!at) return undefined;
    const maxShare = sources !== 'mixed' && (oneSize || recaptured(raster, other)) ? MAX_RASTER_LOCAL_EDIT_SHARE : MAX_LOCAL_EDIT_SHARE;
    const edit = editOf(raster, other, maxShare, at);
    if (edit && edit.changedTile === undefined && !oneSize && mayBeResampled(raster, other)) return resampledEdit(raster, other) ?? edit;
    if (!edit || !oneSize || sources !== 'stored' || isLocalEdit(edit, sources)) return edit;
    // Their faint differences, counted only while they touch under MAX_LOCAL_EDIT_SHARE of the pixels: two
    // resamples of one logo at one size by other tools differ faintly along every edge (MAX_FAINT_TILE).
    const faint = editOf(raster, other, MAX_LOCAL_EDIT_SHARE, at, FAINT_CHANNEL);
    return faint?.changedTile === undefined ? edit : { ...edit, faintTile: faint.changedTile };
  }
  // The 1x may have been made from the 2x by a box mean (what most downscalers come close to) or by keeping one
  // pixel of four: an edit must show against the box mean and against the halving the 1x is closest to.
  const [large, small] = raster.width > other.width ? [raster, other] : [other, raster];
  const box = halve(large);
  // Every halving lies on one grid: the box mean's alignment serves them all.
  const at = alignment(pixelsOf(box), pixelsOf(small));
  if (!at) return undefined;
  // Two lossy rasters, compared by their light: halved copies of the labelled real pairs differ in at most 2.3 %
  // of their pixels and change at most 0.14 of a tile; two 4K app screens and a 1080p one of another page
  // (directus/docs) in 1.5 %, changing 0.97.
  const maxShare = sources === 'lossy' ? MAX_RASTER_LOCAL_EDIT_SHARE : MAX_LOCAL_EDIT_SHARE;
  const boxMean = editOf(box, small, maxShare, at);
  if (!boxMean) return undefined;
  boxMean.resampled = true;
  if (!isLocalEdit(boxMean)) return boxMean;
  let closest = boxMean;
  for (const [dx, dy] of POINT_PHASES) {
    const edit = editOf(pointHalve(pixelsOf(large), dx, dy), small, maxShare, at);
    if (edit && edit.differingShare < closest.differingShare) closest = { ...edit, resampled: true };
  }
  return closest;
}

/**
 * Two images of sizes a resample gives (canvas-size.ts mayBeResampled) that differ along every edge when
 * compared unresized: the larger is resized to the smaller's size by the area mean (raster-resize.ts
 * resizeByAreaMean) and the two compared again, held to the share and the tile threshold of a resampled pair,
 * as a halved 2x is.
 * A diagram re-exported at 99.9 % of its width with one label changed, "HTTP Bridge" to "Kafka Bridge"
 * (strimzi.github.io), differs in 1.01 % of its pixels unresized, past what a local edit may have, and at the
 * detail check's 512 px the word changes 0.13 of a tile; resized, 0.54 % of its pixels differ, changing 0.86
 * of a tile. Undefined when the resized pair is no local edit either.
 */
function resampledEdit(raster: ComparedRaster, other: ComparedRaster): LocalEdit | undefined {
  const [large, small] = raster.width * raster.height >= other.width * other.height ? [raster, other] : [other, raster];
  const edit = editOf(resizeByAreaMean(large, small.width, small.height), small, MAX_LOCAL_EDIT_SHARE);
  return edit?.changedTile === undefined ? undefined : { ...edit, resampled: true };
}

/**
 * localEdit of two rasters at one scale, whose edit is local up to `maxShare` of differing pixels; `placed`,
 * their alignment when it is known; a pixel differs when a channel (its luma, for a lumaOnly raster) moves past
 * `channel`.
 */
function editOf(
  one: ComparedRaster,
  another: ComparedRaster,
  maxShare: number,
  placed?: Alignment,
  channel = DIFFERENT_CHANNEL,
): LocalEdit | undefined {
  const a = pixelsOf(one);
  const b = pixelsOf(another);
  const at = placed ?? alignment(a, b);
  if (!at) return undefined;
  const w = at.x1 - at.x0;
  const h = at.y1 - at.y0;
  const bx = at.x0 - at.dx;
  const by = at.y0 - at.dy;
  // Counted until past maxShare: beyond it the verdict is known (a logo on white against the same on
  // transparent differs in most of its pixels).
  const limit = Math.floor(maxShare * w * h);
  // Where they differ (y·w + x), kept for the tiles while within the limit: a row can add at most w.
  const where = new Int32Array(Math.min(w * h, limit + w + 1));
  let differing = 0;
  let unequal = 0;
  for (let y = 0; y < h && differing <= limit; y++) {
    for (let x = 0; x < w; x++) {
      const pixelA = (y + at.y0) * a.width + x + at.x0,
        pixelB = (y + by) * b.width + x + bx;
      if (a.words[pixelA] === b.words[pixelB] || (a.rgba[4 * pixelA + 3] === 0 && b.rgba[4 * pixelB + 3] === 0)) continue;
      unequal++;
      if (differsAt(a, pixelA, b, pixelB, channel)) where[differing++] = y * w + x;
    }
  }
  const differingShare = differing / (w * h);
  if (differing > limit) return { differingShare };
  const tilesX = Math.ceil(w / TILE);
  const changed = new Uint32Array(tilesX * Math.ceil(h / TILE));
  for (let i = 0; i < differing; i++) {
    const x = where[i] % w,
      y = (where[i] - x) / w;
    if (unmatched(a, at.x0, at.y0, b, bx, by, w, h, x, y, channel) || unmatched(b, bx, by, a, at.x0, at.y0, w, h, x, y, channel)) {
      changed[Math.floor(y / TILE) * tilesX + Math.floor(x / TILE)]++;
    }
  }
  let changedTile = 0;
  let changedPixels = 0;
  for (let t = 0; t < changed.length; t++) {
    if (!changed[t]) continue;
    changedPixels += changed[t];
    // Edge tiles of a region whose size is not a multiple of TILE are smaller.
    const tw = Math.min(TILE, w - (t % tilesX) * TILE);
    const th = Math.min(TILE, h - Math.floor(t / tilesX) * TILE);
    changedTile = Math.max(changedTile, changed[t] / (tw * th));
  }
  return { differingShare, changedTile, changedShare: changedPixels / (w * h), unequalShare: unequal / (w * h) };
}

/**
 * One canvas edited locally: two pictures, though every check at a smaller size saw one. The edit is within
 * the local share (its tiles were measured), and a tile is held to the detail check's threshold for two
 * rasters of one size (MAX_CHANGED_TILE_AT_ONE_SIZE), or the edit is spread over MIN_SPREAD_EDIT_SHARE of
 * two SVGs rendered at one size — or, when a 2x was halved, a tile is held to the detail check's threshold for
 * resampled pairs (MAX_CHANGED_TILE): a 1x made with a sharpening filter (mitchell, lanczos) differs from the
 * 2x's box mean along thin lines, changing up to 0.39 of a tile (a 1 991 px diagram of linkerd/website), where
 * an annotation moved changes whole tiles. Two stored rasters of one size are also an edit when faint
 * differences change more than MAX_FAINT_TILE of a tile.
 */
export function isLocalEdit(edit: LocalEdit, sources: Sources = 'mixed'): boolean {
  if (edit.changedTile === undefined) return false;
  if ((edit.faintTile ?? 0) > MAX_FAINT_TILE) return true;
  if (edit.changedTile > (edit.resampled ? MAX_CHANGED_TILE : MAX_CHANGED_TILE_AT_ONE_SIZE)) return true;
  return sources === 'rendered' && !edit.resampled && (edit.changedShare ?? 0) >= MIN_SPREAD_EDIT_SHARE;
}

/**
 * From this share of changed pixels, two SVGs rendered here at one size (`rendered` Sources: one renderer,
 * no resample between them) are two pictures even when no tile changed much: an edit spread thin,
 * such as dotted connectors and a dashed box added to one step of a diagram (spinnaker.io, 0.76 % of the
 * pixels, at most 0.27 of a tile). Copies of one SVG among the labelled real pairs change none. Not for stored
 * rasters: two of one size may each be a resample of a larger source by another tool (a favicon generator's
 * 144 px Android and tile icons, spinnaker.io: 0.18 %), nor for an SVG and its export (0.05 %).
 */
export const MIN_SPREAD_EDIT_SHARE = 0.001;

/**
 * Past this share of unequal pixels two images are not one canvas saved twice. Measured on the labelled real
 * pairs of nearly one size: copies of one capture or one drawing saved again (PNG and TIFF, two PNG exports,
 * a capture cropped otherwise) differ in at most 0.7 % of their pixels; the
 * nearest pair of two pictures that no check at this resolution calls an edit (two colour skins of one
 * sprite, a hover state) in 16 %.
 */
export const MAX_ONE_CANVAS_SHARE = 0.01;

/**
 * Past this fraction of a tile changed (no pixel of the other within one pixel has the colour) two images
 * are not one canvas unedited, however few pixels differ: one figure of a capture changed, "4.25 Gi" to
 * "8.25 Gi" (longhorn/website), differs in 0.02 % of the pixels and changes 0.20 of a tile. Copies of one
 * canvas among the labelled real pairs change at most 0.016 of a tile; one whose text caret blinked off
 * (spinnaker.io) 0.25, which the detail check then keeps.
 */
export const MAX_ONE_CANVAS_TILE = 0.1;

/**
 * One canvas, unedited: aligned, the two show the same pixels on the region both show (at least
 * MIN_SHARED_AREA of the larger), and no tile changed more than MAX_ONE_CANVAS_TILE. Two captures of one
 * screen cropped a few pixels apart are one, though the detail check compares them resampled, misregistered
 * by the crop, and a drawing that touches the edges then changes whole tiles.
 */
export function oneCanvas(edit: LocalEdit, sources: Sources = 'mixed'): boolean {
  return (
    edit.unequalShare !== undefined &&
    edit.unequalShare <= MAX_ONE_CANVAS_SHARE &&
    edit.changedTile !== undefined &&
    edit.changedTile <= MAX_ONE_CANVAS_TILE &&
    !isLocalEdit(edit, sources)
  );
}
