/**
 * Local edits of one picture at its own resolution. Two lossless images of one size (PNGs, lossless WebPs,
 * SVGs drawn at their own size) that show the same pixels nearly everywhere are one canvas: exports of one
 * drawing, or one drawing edited in a few places. The detail check (detail.ts) compares them at most
 * DETAIL_MAX px wide, where a glyph of a 2 500 px banner ("Part 1" / "Part 2", falco-website) or a word of a
 * diagram ("Service" / "Serviço", opentelemetry.io) shrinks to a fraction of a tile. Here they are compared
 * pixel for pixel, unresampled: what differs, and whether it fills a tile.
 */
import type { ExactRaster } from './decode';
import { TILE } from './detail-lab';
import { MAX_CHANGED_TILE_AT_ONE_SIZE } from './detail';

export interface LocalEdit {
  /** Fraction of pixels that differ noticeably (a channel, premultiplied, by more than DIFFERENT_CHANNEL). */
  differingShare: number;
  /**
   * The largest fraction, over the TILE×TILE tiles, of a tile's pixels that changed: they differ, and no
   * pixel of the other image within one pixel is close to them (antialiasing moved by a pixel is not a change).
   */
  changedTile: number;
}

/** A channel (0..255, premultiplied by alpha) that moves more than this is a drawn difference, not a rounding of one. */
const DIFFERENT_CHANNEL = 48;

/**
 * At most this share of differing pixels, two images are one canvas with local edits. Measured on the
 * labelled real pairs of one size that are not pixel-identical: exports of one drawing (an SVG and its PNG,
 * one slide exported twice) differ in 2.5–6 % of their pixels, along every edge; the copies that differ in
 * fewer (a favicon and its logo, an SVG logo and its PNG) in at most 0.04 %, changing at most 0.13 of a tile;
 * a banner with another part number 0.03 %, changing whole tiles.
 */
export const MAX_LOCAL_EDIT_SHARE = 0.01;

/** Undefined when the two rasters are not of one size. */
export function localEdit(a: ExactRaster, b: ExactRaster): LocalEdit | undefined {
  if (a.width !== b.width || a.height !== b.height) return undefined;
  const { width: w, height: h } = a;
  const tilesX = Math.ceil(w / TILE);
  const changed = new Uint32Array(tilesX * Math.ceil(h / TILE));
  let differing = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x);
      if (!differs(a.rgba, i, b.rgba, i)) continue;
      differing++;
      if (unmatched(a.rgba, b.rgba, w, h, x, y) || unmatched(b.rgba, a.rgba, w, h, x, y)) {
        changed[Math.floor(y / TILE) * tilesX + Math.floor(x / TILE)]++;
      }
    }
  }
  let changedTile = 0;
  for (let t = 0; t < changed.length; t++) {
    if (!changed[t]) continue;
    // Edge tiles of an image whose size is not a multiple of TILE are smaller.
    const tw = Math.min(TILE, w - (t % tilesX) * TILE);
    const th = Math.min(TILE, h - Math.floor(t / tilesX) * TILE);
    changedTile = Math.max(changedTile, changed[t] / (tw * th));
  }
  return { differingShare: differing / (w * h), changedTile };
}

/**
 * One canvas edited locally: two pictures, though every check at a smaller size saw one. A tile is held to
 * the detail check's threshold for two rasters of one size (MAX_CHANGED_TILE_AT_ONE_SIZE): nothing is
 * resampled here either.
 */
export function isLocalEdit(edit: LocalEdit): boolean {
  return edit.differingShare <= MAX_LOCAL_EDIT_SHARE && edit.changedTile > MAX_CHANGED_TILE_AT_ONE_SIZE;
}

/** Pixel i of p and pixel j of q differ noticeably (premultiplied: the colour of a transparent pixel is not seen). */
function differs(p: Uint8Array, i: number, q: Uint8Array, j: number): boolean {
  const ap = p[i + 3],
    aq = q[j + 3];
  if (Math.abs(ap - aq) > DIFFERENT_CHANNEL) return true;
  for (let c = 0; c < 3; c++) if (Math.abs((p[i + c] * ap - q[j + c] * aq) / 255) > DIFFERENT_CHANNEL) return true;
  return false;
}

/** No pixel of q within one pixel of (x, y) is close to p's pixel there. */
function unmatched(p: Uint8Array, q: Uint8Array, w: number, h: number, x: number, y: number): boolean {
  const i = 4 * (y * w + x);
  for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) if (!differs(p, i, q, 4 * (yy * w + xx))) return false;
  }
  return true;
}
