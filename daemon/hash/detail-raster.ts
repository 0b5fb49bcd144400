/** The detail raster of a content: its pixels at the resolution the detail check compares (detail.ts); and its fine raster (replaced-content.ts). */
import sharp from 'sharp';
import { decodeBudget, decodedBytes } from './decode-budget';
import { storedSize } from './decode';
import { detectFormat, type ImageFormat } from './format';
import { checkSvgBounds } from './svg-bounds';
import { renderSvg } from './svg-render';

/**
 * Long side of the detail raster. 512 keeps the 1x side of most retina screenshots (480 px example pages) at
 * its own resolution, so a 2:1 pair compares pixel for pixel, and text of a 1 000 px screenshot as strokes.
 */
export const DETAIL_MAX = 512;
/**
 * Smallest long side an SVG is drawn at for detail: a vector has no resolution of its own, and a 56 px icon
 * drawn at its nominal size leaves a changed glyph (a heart for two lines in a speech bubble) a few pixels
 * wide. Not more: two exports of one drawing differ by a pixel or two at 256 (rounded corners, offsets).
 */
export const DETAIL_SVG_MIN = 128;

/** A content's pixels at detail resolution: straight (not premultiplied) RGBA, 8 bits, row-major. */
export interface DetailRaster {
  width: number;
  height: number;
  rgba: Uint8Array;
  /** Some pixel is not opaque. */
  transparent: boolean;
}

/**
 * Decodes bytes to a detail raster: upright, at most DETAIL_MAX on the long side, never enlarged; an SVG is
 * drawn at DETAIL_SVG_MIN on its long side at least, in a child process with a time limit like every SVG
 * render (svg-render.ts).
 */
export async function decodeDetail(bytes: Buffer, maxPixels: number): Promise<DetailRaster> {
  const format = detectFormat(bytes);
  if (format === 'svg') return decodeSvgDetail(bytes, maxPixels);
  return decodeRaster(bytes, format, maxPixels, DETAIL_MAX);
}

/**
 * Long side of the fine raster: the replaced-content check (replaced-content.ts) of two copies of a 2 400 px
 * blog cover sees another person's name (30 px tall there) as strokes at this size, not at DETAIL_MAX.
 */
export const FINE_MAX = 1024;

/** Decodes raster bytes (not SVG: the check is for lossy pictures) to at most FINE_MAX on the long side, never enlarged. */
export async function decodeFine(bytes: Buffer, maxPixels: number): Promise<DetailRaster> {
  const format = detectFormat(bytes);
  if (format === 'svg') throw new Error('an SVG has no fine raster');
  return decodeRaster(bytes, format, maxPixels, FINE_MAX);
}

async function decodeRaster(bytes: Buffer, format: ImageFormat | undefined, maxPixels: number, longSide: number): Promise<DetailRaster> {
  const decoding = await decodingBytes(bytes, format, longSide);
  const { data, info } = await decodeBudget.run(decoding, () =>
    sharp(bytes, { limitInputPixels: Math.max(1, Math.floor(maxPixels)), failOn: 'truncated' })
      .rotate()
      .resize(longSide, longSide, { fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  // sharp's output buffer is the raster's own allocation (exactly these bytes): no copy to keep.
  return rasterOf(new Uint8Array(data.buffer, data.byteOffset, info.width * info.height * 4), info.width, info.height);
}

/** What decoding these raster bytes for detail holds (decode-budget.ts); 0 when their size is unreadable (libvips will refuse them). */
async function decodingBytes(bytes: Buffer, format: ImageFormat | undefined, longSide: number): Promise<number> {
  if (!format) return 0;
  const size = await storedSize(bytes, format).catch(() => undefined);
  return size ? decodedBytes(size.width, size.height, format, longSide) : 0;
}

async function decodeSvgDetail(bytes: Buffer, maxPixels: number): Promise<DetailRaster> {
  checkSvgBounds(bytes);
  const rendering = await renderSvg(bytes, { target: { longSide: DETAIL_MAX, minLongSide: DETAIL_SVG_MIN }, maxPixels });
  const raw = rendering.raw;
  if (!raw || raw.info.channels !== 4) throw new Error('SVG not rendered');
  return rasterOf(
    new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.info.width * raw.info.height * 4).slice(),
    raw.info.width,
    raw.info.height,
  );
}

function rasterOf(rgba: Uint8Array, width: number, height: number): DetailRaster {
  let transparent = false;
  for (let i = 3; i < rgba.length; i += 4)
    if (rgba[i] < 250) {
      transparent = true;
      break;
    }
  return { width, height, rgba, transparent };
}
