/**
 * Where two rasters of nearly one size line up, and which of their pixels differ: the pixel-level ground the
 * local-edit check (local-edit.ts) stands on. A pixel differs when a channel (or its luma, lumaOnly), premultiplied
 * by alpha, moves past a threshold; it is unmatched when no pixel of the other image within one pixel is close to it.
 */
import type { ExactRaster } from './decode';
import { MIN_SHARED_AREA } from './canvas-size';

/** A channel (0..255, premultiplied by alpha) that moves more than this is a drawn difference, not a rounding of one. */
export const DIFFERENT_CHANNEL = 48;

/** How far (px) beyond their difference in size two captures may be shifted against each other. */
const ALIGNMENT_SLACK = 8;

/** Pixels sampled to score each alignment. */
const ALIGNMENT_SAMPLES = 2048;

/** Where b lies on a: b's pixel (x, y) is a's (x + dx, y + dy); the shared region, in a's coordinates. */
export interface Alignment {
  dx: number;
  dy: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The shift of b on a under which most sampled pixels agree, among those leaving a shared region of
 * MIN_SHARED_AREA: b may sit anywhere their difference in size allows, and ALIGNMENT_SLACK further.
 */
export function alignment(a: Pixels, b: Pixels): Alignment | undefined {
  const minArea = MIN_SHARED_AREA * Math.max(a.width * a.height, b.width * b.height);
  const dw = a.width - b.width;
  const dh = a.height - b.height;
  let best: Alignment | undefined;
  let bestAgreeing = -1;
  let bestOffCentre = Infinity;
  for (let dy = Math.min(0, dh) - ALIGNMENT_SLACK; dy <= Math.max(0, dh) + ALIGNMENT_SLACK; dy++) {
    for (let dx = Math.min(0, dw) - ALIGNMENT_SLACK; dx <= Math.max(0, dw) + ALIGNMENT_SLACK; dx++) {
      const x0 = Math.max(0, dx),
        y0 = Math.max(0, dy);
      const x1 = Math.min(a.width, dx + b.width),
        y1 = Math.min(a.height, dy + b.height);
      if (x1 <= x0 || y1 <= y0 || (x1 - x0) * (y1 - y0) < minArea) continue;
      const step = Math.max(1, Math.floor(Math.sqrt(((x1 - x0) * (y1 - y0)) / ALIGNMENT_SAMPLES)));
      let agreeing = 0;
      for (let y = y0; y < y1; y += step) for (let x = x0; x < x1; x += step) if (!differs(a, x, y, b, x - dx, y - dy)) agreeing++;
      const share = agreeing / (Math.ceil((x1 - x0) / step) * Math.ceil((y1 - y0) / step));
      // Of alignments that agree as well (a flat page agrees anywhere), the one nearest the centred placement.
      const offCentre = Math.abs(2 * dx - dw) + Math.abs(2 * dy - dh);
      if (share > bestAgreeing || (share === bestAgreeing && offCentre < bestOffCentre)) {
        bestAgreeing = share;
        bestOffCentre = offCentre;
        best = { dx, dy, x0, y0, x1, y1 };
      }
    }
  }
  return best;
}

/** A raster that may be compared by its light alone (lumaOnly). */
export interface ComparedRaster extends ExactRaster {
  luma?: boolean;
}

/** A raster with its pixels also as 32-bit words: most pixels of one canvas are equal, and one comparison settles them. */
export interface Pixels extends ComparedRaster {
  words: Uint32Array;
}

/**
 * The raster, to be compared by its luma alone (its pixels are not copied): a lossy raster keeps colour coarser
 * than light — a JPEG at half its resolution by default (4:2:0) — so two saves of one screenshot differ in
 * colour along the fringe of every glyph while their light differs only faintly.
 */
export function lumaOnly(r: ExactRaster): ComparedRaster {
  return { ...r, luma: true };
}

/** Luma (0..255) of the straight colour at byte offset i of an RGBA raster. */
function lumaAt(rgba: Uint8Array, i: number): number {
  return (77 * rgba[i] + 150 * rgba[i + 1] + 29 * rgba[i + 2]) / 256;
}

export function pixelsOf(r: ComparedRaster): Pixels {
  const count = r.width * r.height;
  // A word view needs 4-byte alignment: decodeExact's pixels have it, a raster made otherwise may not.
  const aligned = r.rgba.byteOffset % 4 === 0 ? r.rgba : r.rgba.slice(0, 4 * count);
  return { ...r, words: new Uint32Array(aligned.buffer, aligned.byteOffset, count) };
}

/**
 * Pixel (xp, yp) of p and (xq, yq) of q differ noticeably: a channel moves past `channel` (premultiplied: the
 * colour of a transparent pixel is not seen).
 */
function differs(p: Pixels, xp: number, yp: number, q: Pixels, xq: number, yq: number, channel = DIFFERENT_CHANNEL): boolean {
  return differsAt(p, yp * p.width + xp, q, yq * q.width + xq, channel);
}

/** differs(), for pixels given by their index. */
export function differsAt(p: Pixels, pixelP: number, q: Pixels, pixelQ: number, channel: number): boolean {
  if (p.words[pixelP] === q.words[pixelQ]) return false;
  const i = 4 * pixelP,
    j = 4 * pixelQ;
  const ap = p.rgba[i + 3],
    aq = q.rgba[j + 3];
  if (Math.abs(ap - aq) > channel) return true;
  if (p.luma || q.luma) return Math.abs((lumaAt(p.rgba, i) * ap - lumaAt(q.rgba, j) * aq) / 255) > channel;
  for (let c = 0; c < 3; c++) if (Math.abs((p.rgba[i + c] * ap - q.rgba[j + c] * aq) / 255) > channel) return true;
  return false;
}

/**
 * No pixel of q within one pixel of the shared region's (x, y) is close to p's pixel there; (px, py) and
 * (qx, qy) are where the w×h shared region starts in each.
 */
export function unmatched(
  p: Pixels,
  px: number,
  py: number,
  q: Pixels,
  qx: number,
  qy: number,
  w: number,
  h: number,
  x: number,
  y: number,
  channel: number,
): boolean {
  for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++)
      if (!differs(p, x + px, y + py, q, xx + qx, yy + qy, channel)) return false;
  }
  return true;
}
