/**
 * Ink one image has where the other has none nearby: what a later step of a diagram adds (a dashed box, a
 * label, an arrow, a chart's mean line) or a screenshot of another state shows (a "Not found" banner). Two
 * copies of one drawing misalign by a pixel or two and draw their strokes thicker or thinner, but every
 * stroke of one has a stroke of the other close by; ink on what is bare page in the other is drawn, not
 * resampled. Pure functions of the ink masks of detail.ts (ink-colour.ts inkMasks).
 *
 * What counts as "none nearby" is looser than what counts as ink: a pixel just past INK_DELTA in one copy is
 * just under it in the other wherever the page is a gradient (the sky behind a photographed monument, whose
 * lossless re-encoding moved its colours by 1–2 ΔE), so the other image's faint ink (FAINT_INK_DELTA) is
 * enough to account for it.
 *
 * The same test with page and ink swapped finds page one image shows where the other is solid ink: a glyph
 * cut out of a badge (a plus and an exclamation mark in one filled circle), which adds no ink at all.
 */
import { TILE } from './detail-lab';
import { INK_DELTA } from './ink-colour';

/** The colour difference from the page (ΔE) from which a pixel accounts for the other image's ink nearby. */
export const FAINT_INK_DELTA = INK_DELTA / 2;

/** How far (pixels at the compared size) a stroke of the other image may be and still account for one's ink. */
const ADDED_INK_REACH = 2;
/** A tile holds added ink when at least this many of its pixels are added (one stroke across it, not a speck)… */
const MIN_ADDED_PIXELS = TILE;
/** …and they are more than this fraction of its ink (most of what is drawn there is new). */
const MIN_ADDED_SHARE = 0.5;

/** Some pixel of `faint` within `reach` of (x, y) is set: the same pixel first, where copies of one drawing agree. */
function nearby(faint: Uint8Array, w: number, h: number, x: number, y: number, reach: number): boolean {
  if (faint[y * w + x]) return true;
  for (let yy = Math.max(0, y - reach); yy <= Math.min(h - 1, y + reach); yy++)
    for (let xx = Math.max(0, x - reach); xx <= Math.min(w - 1, x + reach); xx++) if (faint[yy * w + xx]) return true;
  return false;
}

/**
 * How many tiles of two w×h images hold ink added by either: ink (`inkA`, `inkB`: inkMask) with no faint ink
 * of the other (`faintA`, `faintB`: inkMask at FAINT_INK_DELTA) within ADDED_INK_REACH. A band of that width
 * along the edges is left out: there the other image's nearby pixels were cut off by the compared region
 * (the anti-aliased rim of a canvas exported twice).
 */
export function addedInkTiles(inkA: Uint8Array, inkB: Uint8Array, faintA: Uint8Array, faintB: Uint8Array, w: number, h: number): number {
  const r = ADDED_INK_REACH;
  if (w <= 2 * r || h <= 2 * r) return 0;
  const tilesX = Math.max(1, Math.round(w / TILE));
  const tilesY = Math.max(1, Math.round(h / TILE));
  const ink = new Uint32Array(tilesX * tilesY);
  const added = new Uint32Array(tilesX * tilesY);
  for (let y = r; y < h - r; y++) {
    const row = Math.min(tilesY - 1, Math.floor((y * tilesY) / h)) * tilesX;
    for (let x = r; x < w - r; x++) {
      const i = y * w + x;
      if (!inkA[i] && !inkB[i]) continue;
      const t = row + Math.min(tilesX - 1, Math.floor((x * tilesX) / w));
      ink[t]++;
      if ((inkA[i] && !nearby(faintB, w, h, x, y, r)) || (inkB[i] && !nearby(faintA, w, h, x, y, r))) added[t]++;
    }
  }
  let tiles = 0;
  for (let t = 0; t < ink.length; t++) if (added[t] >= MIN_ADDED_PIXELS && added[t] > MIN_ADDED_SHARE * ink[t]) tiles++;
  return tiles;
}

/**
 * How many tiles hold page cut out of ink: pixels clearly page in one image (not even faint ink: `faintA`,
 * `faintB`), and so are their 8 neighbours, where the other has only ink (`inkA`, `inkB`) within
 * ADDED_INK_REACH. addedInkTiles with the roles of page and ink swapped, and its looseness kept: page must be
 * clear, and any pixel short of ink in the other (a resampled edge, a lighter rim) accounts for it. The
 * neighbours leave out the one- and two-pixel gaps between strokes, which the other copy's resampling fills
 * (the themes and example pages of Bootstrap's docs, 1x and 2x).
 */
export function cutOutTiles(inkA: Uint8Array, inkB: Uint8Array, faintA: Uint8Array, faintB: Uint8Array, w: number, h: number): number {
  return addedInkTiles(erodedPage(faintA, w, h), erodedPage(faintB, w, h), not(inkA), not(inkB), w, h);
}

/** Pixels that are clear page (not `faint`) with their 8 neighbours: a 3×3 erosion, by rows then by columns. */
function erodedPage(faint: Uint8Array, w: number, h: number): Uint8Array {
  const rows = new Uint8Array(faint.length);
  for (let y = 0; y < h; y++) for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) rows[i] = (faint[i - 1] | faint[i] | faint[i + 1]) ^ 1;
  const out = new Uint8Array(faint.length);
  for (let i = w; i < faint.length - w; i++) out[i] = rows[i - w] & rows[i] & rows[i + w];
  return out;
}

function not(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ^ 1;
  return out;
}
