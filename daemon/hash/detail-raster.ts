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
  const decoding = await decodingBytes(bytes, format, DETAIL_MAX);
  const { data, info } = await decodeBudget.run(decoding, () =>
    upright(bytes, maxPixels, DETAIL_MAX).ensureAlpha().raw().toBuffer({ resolveWithObject: true }),
  );
  // sharp's output buffer is the raster's own allocation (exactly these bytes): no copy to keep.
  return rasterOf(new Uint8Array(data.buffer, data.byteOffset, info.width * info.height * 4), info.width, info.height);
}

/**
 * Long side of the fine raster: the replaced-content check (replaced-content.ts) of two copies of a 2 400 px
 * blog cover sees another person's name (30 px tall there) as strokes at this size, not at DETAIL_MAX.
 */
export const FINE_MAX = 1024;

/** A content's grey levels (0..255, composited on white), row-major: one byte a pixel, a quarter of an RGBA raster. */
export interface GreyRaster {
  width: number;
  height: number;
  luma: Uint8Array;
}

/** Decodes raster bytes (not SVG: the check is for lossy pictures) to grey, at most FINE_MAX on the long side, never enlarged. */
export async function decodeFine(bytes: Buffer, maxPixels: number): Promise<GreyRaster> {
  const format = detectFormat(bytes);
  if (format === 'svg') throw new Error('an SVG has no fine raster');
  const decoding = await decodingBytes(bytes, format, FINE_MAX);
  const { data, info } = await decodeBudget.run(decoding, () =>
    upright(bytes, maxPixels, FINE_MAX)
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  if (info.channels !== 3) throw new Error(`fine decode gave ${info.channels} channels`);
  // Luma of the stored (gamma-encoded) levels, as the thumbnails read it; libvips' b-w is luminance of linear
  // light, which draws the edges of one cover weaker.
  const luma = new Uint8Array(info.width * info.height);
  for (let i = 0, j = 0; j < luma.length; i += 3, j++) luma[j] = (77 * data[i] + 150 * data[i + 1] + 29 * data[i + 2] + 128) >> 8; // 0.299, 0.587, 0.114 in 256ths
  return { width: info.width, height: info.height, luma };
}

/** Raster bytes decoded upright, at most `longSide` on the long side, never enlarged. */
function upright(bytes: Buffer, maxPixels: number, longSide: number): sharp.Sharp {
  return sharp(bytes, { limitInputPixels: Math.max(1, Math.floor(maxPixels)), failOn: 'truncated' })
    .rotate()
    .resize(longSide, longSide, { fit: 'inside', withoutEnlargement: true });
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
