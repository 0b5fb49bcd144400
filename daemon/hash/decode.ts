/* eslint-disable max-lines -- every format's decode path and its bounds (pixels, SVG cost, animation, orientation) in one place, so the limits are reviewed together. */
/**
 * Decoding with sharp, the cheapest way we found (see bench/accuracy.ts and the notes at the end of this
 * file): dimensions from our own header parser (JPEG, PNG) or `metadata()` (others), a bomb check before
 * any pixel is decoded, then one pipeline per call: shrink-on-load straight to a 64×64 raw RGB(A) image.
 * Alpha compositing, luma, EXIF orientation (a dihedral transform of the square thumbnail) and the hash are
 * done in JS on those 4 096 pixels, never by libvips at full size. SVGs are bounded before any parse and
 * rendered in a child process with a time limit (svg-bounds.ts, svg-render.ts).
 *
 * Errors: every call owns its pipeline, and every failure is re-checked under an exclusive gate (no other
 * decode of this module in flight) before it is reported, so a libvips error message can never be charged
 * to the wrong file — and a good file that failed because of a neighbour's error is decoded after all.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { decodeBudget, decodedBytes } from './decode-budget';
import { detectFormat, FORMAT_NAMES, isLosslessWebp, readHeader, swapsAxes, type ImageFormat } from './format';
import { ImageDecodeError } from './decode-error';
import { jpegCodingTables, jpegPixelSource } from './jpeg-source';
import { checkSvgBounds } from './svg-bounds';
import { renderSvg, SvgRenderFailure, type SvgRendering } from './svg-render';
import { centralHash, dct16, dihedralHashes, gradients, N, thumbnail, transformImage } from './pdq';

/**
 * No libvips operation cache: every decode here reads another file's bytes, so the cache never hits, yet it
 * held up to 50 MB of native memory for the whole scan (a cold scan of the photo benchmark peaked at
 * 346 MB RSS with it, 301 MB without, in the same conditions).
 */
sharp.cache(false);

/** Default decompression-bomb limit: 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Central-region fractions whose hashes are stored as extra index keys (crop detection). */
export const CROP_FRACTIONS = [0.9, 0.8] as const;

export { ImageDecodeError, type DecodeProblem } from './decode-error';

export interface Fingerprint {
  format: ImageFormat;
  /** After EXIF orientation. */
  width: number;
  height: number;
  /** PNG, GIF, TIFF, SVG, lossless WebP. */
  lossless: boolean;
  /** 256-bit PDQ-family hash (32 bytes): the main search key. */
  hash: Uint8Array;
  /** 0..100, PDQ-style gradient quality: low for flat images. */
  quality: number;
  /** The 8 dihedral variant hashes, 32 bytes each (variant d at 32·d; variant 0 = hash). */
  variants: Uint8Array;
  /** Hashes of the central regions of CROP_FRACTIONS, 32 bytes each. */
  crops: Uint8Array;
  /** 32×32 greyscale thumbnail (squashed to a square, after orientation and alpha compositing on white). */
  thumb: Uint8Array;
  /** Colour: 4×4 grid of mean chroma (Cb, Cr + 128 per cell, 32 bytes), upright like the thumbnail. */
  chroma: Uint8Array;
  /** Colour, finer (graphics verification): 8×8 grid of mean chroma (Cb, Cr + 128 per cell, 128 bytes), upright. */
  chroma8?: Uint8Array;
  /** 16×16 mean alpha (0..255, 256 bytes), upright; empty when the image is opaque. */
  alpha?: Uint8Array;
  /** Bounding box of the visible pixels (alpha ≥ 1/8) in 64ths of the upright image: x0, y0, x1, y1 (exclusive); [0, 0, 64, 64] when opaque. */
  bbox?: Uint8Array;
  /** Some pixels are (partly) transparent. */
  transparent: boolean;
  /** Fraction (0..1) of the 64×64 luma that is flat (no change to the next pixel): high for drawn graphics. */
  flatness: number;
  /** JPEG only: 8 bytes naming its quantization tables and sampling (jpeg-source.ts jpegCodingTables); absent when unread. */
  jpegTables?: Uint8Array;
  /**
   * An animation (a GIF, WebP or APNG of several frames). Everything above is its first frame's, and two
   * animations that start alike (a splash screen, the first frame of two screen recordings) are not one
   * image: it is a copy only of the same bytes (similarity-graph.ts). Absent for a still image.
   */
  animated?: true;
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this (decompression bombs). Default 100 Mpx. */
  maxPixels?: number;
  /** Refuse SVG files larger than this many bytes. Default DEFAULT_MAX_SVG_BYTES (5 MB). */
  maxSvgBytes?: number;
  /** Refuse an SVG whose rendering takes longer than this. Default DEFAULT_SVG_TIMEOUT_MS (30 s). */
  svgTimeoutMs?: number;
}

/**
 * The pixel digest of an SVG is taken at its own size up to this long side, and at this size beyond (the
 * same for every copy of a drawing, so equal drawings still have equal digests): a 10 000 px square SVG
 * rendered at its own size was a 400 MB raster.
 */
export const SVG_DIGEST_LONG_SIDE = 2048;

// ---------------------------------------------------------------------------------------------------------
// A shared/exclusive gate: normal decodes run shared; the re-check of a failure runs alone.

class Gate {
  private active = 0;
  private pendingExclusive = 0;
  private chain: Promise<void> = Promise.resolve();
  private sharedWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.pendingExclusive > 0) await new Promise<void>((resolve) => this.sharedWaiters.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      if (this.active === 0) for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.pendingExclusive++;
    const previous = this.chain;
    let release = (): void => undefined;
    this.chain = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    if (this.active > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    try {
      return await fn();
    } finally {
      this.pendingExclusive--;
      release();
      for (const w of this.sharedWaiters.splice(0)) w();
    }
  }
}

const gate = new Gate();

/** Runs `attempt` shared; if it throws anything but an ImageDecodeError of our own, runs it again alone. */
async function guarded<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await gate.shared(attempt);
  } catch (error) {
    if (error instanceof ImageDecodeError && !(error as { fromLibvips?: boolean }).fromLibvips) throw error;
    return gate.exclusive(attempt);
  }
}

// ---------------------------------------------------------------------------------------------------------

function megapixels(pixels: number): string {
  if (pixels >= 1e9) return `${(pixels / 1e9).toFixed(1)} Gpx`;
  if (pixels >= 1e6) return `${(pixels / 1e6).toFixed(1).replace(/\.0$/, '')} Mpx`;
  return `${pixels} px`;
}

function checkSize(width: number, height: number, maxPixels: number, format: ImageFormat): void {
  if (!(width > 0 && height > 0))
    throw new ImageDecodeError(`corrupt ${FORMAT_NAMES[format]}: the header gives no valid size (${width}×${height})`, 'corrupt', format);
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new ImageDecodeError(
      `image is ${width}×${height} = ${megapixels(pixels)}, above the limit of ${megapixels(maxPixels)}`,
      'too-large',
      format,
    );
  }
}

function identify(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) throw new ImageDecodeError('empty file (0 bytes)', 'empty');
  const format = detectFormat(bytes);
  if (format) return format;
  let text = true;
  for (let i = 0; i < Math.min(bytes.length, 512); i++) {
    const c = bytes[i];
    if (c < 9 || (c > 13 && c < 32 && c !== 27)) {
      text = false;
      break;
    }
  }
  throw new ImageDecodeError(text ? 'not an image (unknown format: the file is text)' : 'not an image (unknown format)', 'unknown-format');
}

/** Turns a libvips/sharp error into a plain ImageDecodeError for this file. */
function fromSharp(error: unknown, format: ImageFormat, maxPixels: number): ImageDecodeError {
  const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
  const name = FORMAT_NAMES[format];
  let result: ImageDecodeError;
  if (/pixel limit/i.test(detail))
    result = new ImageDecodeError(`image is above the limit of ${megapixels(maxPixels)}`, 'too-large', format);
  else if (
    /premature end|truncat|unexpected end|not enough data|end of (file|stream|data)|short read|out of data|corrupt data/i.test(detail)
  )
    result = new ImageDecodeError(`truncated ${name}`, 'truncated', format);
  else
    result = new ImageDecodeError(
      `corrupt ${name}: ${detail.replace(/^Input (buffer|file) (contains|has) /, '') || 'libvips could not decode it'}`,
      'corrupt',
      format,
    );
  (result as { fromLibvips?: boolean }).fromLibvips = true;
  return result;
}

interface Prepared {
  format: ImageFormat;
  width: number;
  height: number;
  orientation: number;
  /** Frames of an animation; 1 for a still image. */
  frames: number;
}

/**
 * Stored size (the first frame's), orientation and frames, without decoding a pixel: from our own header
 * parser, else from libvips's metadata (whose errors it throws as sharp gave them).
 */
export async function storedSize(bytes: Buffer, format: ImageFormat): Promise<Omit<Prepared, 'format'>> {
  const header = readHeader(bytes, format);
  if (header) return { width: header.width, height: header.height, orientation: header.orientation, frames: header.frames ?? 1 };
  const meta = await sharp(bytes, { limitInputPixels: false, failOn: 'none' }).metadata();
  return {
    width: meta.width ?? 0,
    height: meta.pageHeight ?? meta.height ?? 0,
    orientation: meta.orientation ?? 1,
    frames: meta.pages ?? 1,
  };
}

/** Format, stored size and orientation, and the bomb check — before any pixel is decoded. */
async function prepare(bytes: Buffer, format: ImageFormat, maxPixels: number): Promise<Prepared> {
  let size: Omit<Prepared, 'format'>;
  try {
    size = await storedSize(bytes, format);
  } catch (error) {
    throw fromSharp(error, format, maxPixels);
  }
  checkSize(size.width, size.height, maxPixels, format);
  return { format, ...size };
}

/** EXIF orientation → the dihedral transform (pdq.ts numbering) that shows the stored pixels upright. */
const ORIENTATION_TO_DIHEDRAL = [0, 0, 1, 3, 2, 4, 5, 7, 6];

const sharpInputOptions = (maxPixels: number): sharp.SharpOptions => ({
  limitInputPixels: Math.max(1, Math.floor(maxPixels)),
  failOn: 'truncated',
  sequentialRead: true,
});

interface Decoded {
  luma: Float64Array;
  chroma: Uint8Array;
  chroma8: Uint8Array;
  alpha: Uint8Array;
  bbox: Uint8Array;
  transparent: boolean;
}

/** Mean of a 64×64 plane over g×g cells, + bias, clamped to a byte, into out[stride·cell + offset]. */
function cells(plane: Float64Array, g: number, bias: number, scale: number, out: Uint8Array, stride: number, offset: number): void {
  const c = N / g;
  for (let cy = 0; cy < g; cy++) {
    for (let cx = 0; cx < g; cx++) {
      let s = 0;
      for (let y = cy * c; y < cy * c + c; y++) for (let x = cx * c; x < cx * c + c; x++) s += plane[y * N + x];
      out[stride * (cy * g + cx) + offset] = Math.max(0, Math.min(255, Math.round((s * scale) / (c * c) + bias)));
    }
  }
}

interface RawImage {
  data: Buffer;
  info: { width: number; height: number; channels: number };
}

/** A raster's pixels squashed to 64×64 by libvips, in this process. */
async function decodeSquare(bytes: Buffer, p: Prepared, maxPixels: number): Promise<RawImage> {
  try {
    return await decodeBudget.run(decodedBytes(p.width, p.height, p.format, N), () =>
      sharp(bytes, sharpInputOptions(maxPixels)).resize(N, N, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true }),
    );
  } catch (error) {
    throw fromSharp(error, p.format, maxPixels);
  }
}

/**
 * An SVG, bounded (bytes, elements, path data) before any parse, then rendered in a child process with a
 * time limit (svg-render.ts), at the size asked for; its own size passes the bomb check first.
 */
async function renderBoundedSvg(
  bytes: Buffer,
  target: { square: number } | { longSide: number },
  options: DecodeOptions,
): Promise<{ p: Prepared; raw: RawImage }> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkSvgBounds(bytes, { maxBytes: options.maxSvgBytes });
  let rendering: SvgRendering;
  try {
    rendering = await renderSvg(bytes, { target, maxPixels, timeoutMs: options.svgTimeoutMs });
  } catch (error) {
    if (!(error instanceof SvgRenderFailure)) throw error;
    const result = fromSharp(error, 'svg', maxPixels);
    // One render per child at a time: librsvg's message is this file's, no re-check needed.
    (result as { fromLibvips?: boolean }).fromLibvips = false;
    throw result;
  }
  checkSize(rendering.width, rendering.height, maxPixels, 'svg');
  if (!rendering.raw) throw new ImageDecodeError('corrupt SVG: the renderer returned no pixels', 'corrupt', 'svg');
  return { p: { format: 'svg', width: rendering.width, height: rendering.height, orientation: 1, frames: 1 }, raw: rendering.raw };
}

/** 64×64 luma (0..255) and 4×4 chroma, transparency composited on white, upright. */
function decodeLuma(raw: RawImage, p: Prepared): Decoded {
  const { data, info } = raw;
  const channels = info.channels;
  const count = N * N;
  if (info.width !== N || info.height !== N || data.length < count * channels) {
    throw new ImageDecodeError(
      `corrupt ${FORMAT_NAMES[p.format]}: unexpected decoder output ${info.width}×${info.height}×${channels}`,
      'corrupt',
      p.format,
    );
  }
  const d = ORIENTATION_TO_DIHEDRAL[p.orientation] ?? 0;
  const luma = new Float64Array(count);
  const hasAlpha = channels === 2 || channels === 4;
  const alphaPlane = hasAlpha ? new Float64Array(count) : undefined;
  // Chroma: summed per cell during the pass when the image is upright (the same additions, in the same order,
  // as cells() over the planes); for a rotated image, planes transformed upright, then cells().
  const cb = d !== 0 ? new Float64Array(count) : undefined;
  const cr = d !== 0 ? new Float64Array(count) : undefined;
  const sum4 = new Float64Array(32);
  const sum8 = new Float64Array(128);
  let transparent = false;
  for (let y = 0, i = 0; y < N; y++) {
    const row4 = (y >> 4) * 4,
      row8 = (y >> 3) * 8;
    for (let x = 0; x < N; x++, i++) {
      const o = i * channels;
      let r: number, g: number, b: number;
      if (channels >= 3) {
        r = data[o];
        g = data[o + 1];
        b = data[o + 2];
      } else {
        r = g = b = data[o];
      }
      if (alphaPlane) {
        const a = data[o + channels - 1] / 255;
        if (a < 0.98) transparent = true;
        alphaPlane[i] = a;
        r = r * a + 255 * (1 - a);
        g = g * a + 255 * (1 - a);
        b = b * a + 255 * (1 - a);
      }
      luma[i] = 0.299 * r + 0.587 * g + 0.114 * b;
      const u = -0.168736 * r - 0.331264 * g + 0.5 * b;
      const v = 0.5 * r - 0.418688 * g - 0.081312 * b;
      if (cb && cr) {
        cb[i] = u;
        cr[i] = v;
      } else {
        const c4 = 2 * (row4 + (x >> 4)),
          c8 = 2 * (row8 + (x >> 3));
        sum4[c4] += u;
        sum4[c4 + 1] += v;
        sum8[c8] += u;
        sum8[c8 + 1] += v;
      }
    }
  }
  const chroma = new Uint8Array(32);
  const chroma8 = new Uint8Array(128);
  if (cb && cr) {
    const cbT = transformImage(cb, N, d);
    const crT = transformImage(cr, N, d);
    cells(cbT, 4, 128, 1, chroma, 2, 0);
    cells(crT, 4, 128, 1, chroma, 2, 1);
    cells(cbT, 8, 128, 1, chroma8, 2, 0);
    cells(crT, 8, 128, 1, chroma8, 2, 1);
  } else {
    for (let k = 0; k < 32; k++) chroma[k] = Math.max(0, Math.min(255, Math.round(sum4[k] / 256 + 128)));
    for (let k = 0; k < 128; k++) chroma8[k] = Math.max(0, Math.min(255, Math.round(sum8[k] / 64 + 128)));
  }
  let alpha = new Uint8Array(0);
  const bbox = Uint8Array.of(0, 0, N, N);
  if (transparent && alphaPlane) {
    alpha = new Uint8Array(256);
    const upright = transformImage(alphaPlane, N, d);
    cells(upright, 16, 0, 255, alpha, 1, 0);
    let x0 = N,
      y0 = N,
      x1 = 0,
      y1 = 0;
    for (let y = 0; y < N; y++) {
      for (let x = 0; x < N; x++) {
        if (upright[y * N + x] < 0.125) continue;
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y >= y1) y1 = y + 1;
      }
    }
    if (x1 > x0 && y1 > y0) bbox.set([x0, y0, x1, y1]);
  }
  return { luma: transformImage(luma, N, d), chroma, chroma8, alpha, bbox, transparent };
}

function isLossless(format: ImageFormat, bytes: Buffer): boolean {
  if (format === 'webp') return isLosslessWebp(bytes);
  return format === 'png' || format === 'gif' || format === 'tiff' || format === 'svg';
}

/** The fingerprint of an image file's bytes. Throws ImageDecodeError. */
export async function fingerprint(bytes: Buffer, options: DecodeOptions = {}): Promise<Fingerprint> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  return guarded(async () => {
    const format = identify(bytes);
    let p: Prepared;
    let raw: RawImage;
    if (format === 'svg') ({ p, raw } = await renderBoundedSvg(bytes, { square: N }, options));
    else {
      p = await prepare(bytes, format, maxPixels);
      raw = await decodeSquare(bytes, p, maxPixels);
    }
    const { luma, chroma, chroma8, alpha, bbox, transparent } = decodeLuma(raw, p);
    const coeffs = dct16(luma);
    const variants = dihedralHashes(coeffs);
    const crops = new Uint8Array(32 * CROP_FRACTIONS.length);
    for (let k = 0; k < CROP_FRACTIONS.length; k++) crops.set(centralHash(luma, CROP_FRACTIONS[k]), 32 * k);
    const swap = swapsAxes(p.orientation);
    const g = gradients(luma);
    const jpegTables = p.format === 'jpeg' ? jpegCodingTables(bytes) : undefined;
    return {
      format: p.format,
      width: swap ? p.height : p.width,
      height: swap ? p.width : p.height,
      lossless: isLossless(p.format, bytes),
      hash: variants.slice(0, 32),
      quality: g.quality,
      variants,
      crops,
      thumb: thumbnail(luma),
      chroma,
      chroma8,
      alpha,
      bbox,
      transparent,
      flatness: g.flatness,
      ...(jpegTables ? { jpegTables } : {}),
      ...(p.frames > 1 ? { animated: true as const } : {}),
    };
  });
}

/**
 * Pixel digests of the JPEG pixel sources (jpeg-source.ts) met in this process, the decodes under way
 * included: a copy that differs only in metadata (EXIF stripped or added, a comment) takes its digest from the
 * first one instead of a full decode of its own (117 of the 518 JPEG digests of the photo benchmark).
 */
const digestsBySource = new Map<string, Promise<string>>();
/** Sources remembered at most (~200 bytes each); past it the memory starts afresh. */
const MAX_SOURCES = 4096;

/**
 * sha256 (hex) of the fully decoded, upright RGBA pixels (8 bits per channel, sRGB) and the dimensions.
 * Two files with the same digest show the same pixels. Throws ImageDecodeError.
 */
export async function pixelDigest(bytes: Buffer, options: DecodeOptions = {}): Promise<string> {
  const source = jpegPixelSource(bytes);
  if (source === undefined) return decodedPixelDigest(bytes, options);
  // The limit is part of the key: a file refused under a lower limit must not get a digest found under a higher one.
  const key = `${source} ${options.maxPixels ?? DEFAULT_MAX_PIXELS}`;
  const known = digestsBySource.get(key);
  if (known) {
    try {
      return await known;
    } catch {
      // That copy failed to decode: this one is decoded on its own, for its own error.
    }
  }
  const digest = decodedPixelDigest(bytes, options);
  if (digestsBySource.size >= MAX_SOURCES) digestsBySource.clear();
  digestsBySource.set(key, digest);
  digest.catch(() => {
    if (digestsBySource.get(key) === digest) digestsBySource.delete(key);
  });
  return digest;
}

/** pixelDigest by a full decode of these bytes. */
async function decodedPixelDigest(bytes: Buffer, options: DecodeOptions): Promise<string> {
  return guarded(async () => {
    const raw = await exactPixels(bytes, options);
    return createHash('sha256').update(`${raw.info.width}x${raw.info.height}x${raw.info.channels}\n`).update(raw.data).digest('hex');
  });
}

/**
 * The pixels of these bytes at full size (a pixel digest), or at the smaller size `fit` gives for their
 * upright size (decodeExact: localEditSize), resampled by libvips as they are decoded. An SVG is drawn at its
 * own size (up to SVG_DIGEST_LONG_SIDE, which fits MAX_LOCAL_EDIT_PIXELS).
 */
async function exactPixels(bytes: Buffer, options: DecodeOptions, fit?: (width: number, height: number) => Size): Promise<RawImage> {
  const format = identify(bytes);
  if (format === 'svg') return (await renderBoundedSvg(bytes, { longSide: SVG_DIGEST_LONG_SIDE }, options)).raw;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const p = await prepare(bytes, format, maxPixels);
  const upright = swapsAxes(p.orientation) ? { width: p.height, height: p.width } : { width: p.width, height: p.height };
  const size = fit?.(upright.width, upright.height);
  const smaller = size !== undefined && size.width * size.height < upright.width * upright.height;
  return decodeFull(bytes, p, maxPixels, smaller ? size : undefined);
}

/** A content's exact pixels, the ones its pixel digest is of: straight RGBA, 8 bits, row-major. */
export interface ExactRaster {
  width: number;
  height: number;
  rgba: Uint8Array;
}

interface Size {
  width: number;
  height: number;
}

/**
 * Largest image (pixels) compared for local edits at its own resolution (local-edit.ts): two are held at once,
 * 32 MB each at this size (a 4K screenshot). A larger one is compared halved until it fits (localEditSize):
 * a 5K capture of an editor with a frame drawn around one block on hover (directus/docs, 5 760 × 3 240)
 * changes 0.75 of a tile at its own resolution, 0.38 halved, where the detail check at 512 px sees 0.13.
 */
export const MAX_LOCAL_EDIT_PIXELS = 1 << 23;

/** width×height halved (an odd last row or column dropped) until it has at most MAX_LOCAL_EDIT_PIXELS. */
export function localEditSize(width: number, height: number): Size {
  while (width * height > MAX_LOCAL_EDIT_PIXELS && width > 1 && height > 1) {
    width >>= 1;
    height >>= 1;
  }
  return { width, height };
}

/**
 * The pixels of these bytes the local-edit check compares (local-edit.ts): the exact pixels, at localEditSize.
 * An image past MAX_LOCAL_EDIT_PIXELS is halved by libvips (its default kernel, Lanczos 3) as it is decoded, so
 * its full raster is never held: halving a 5K capture's 75 MB here instead of in JavaScript took a cold scan
 * of directus/docs (798 captures) from 541–548 to 388–421 MB peak RSS. Two images of one size are halved alike.
 * Throws ImageDecodeError.
 */
export async function decodeExact(bytes: Buffer, options: DecodeOptions = {}): Promise<ExactRaster> {
  const raw = await guarded(() => exactPixels(bytes, options, localEditSize));
  const { width, height, channels } = raw.info;
  if (channels !== 4) throw new ImageDecodeError(`unexpected decoder output ${width}×${height}×${channels}`, 'corrupt');
  const pixels = new Uint8Array(raw.data.buffer, raw.data.byteOffset, width * height * 4);
  // sharp's output is its own allocation; an SVG's pixels arrive inside the renderer's message, at any offset:
  // copied once here, so that a cache keeps only them and local-edit.ts's word view needs no copy per check.
  return { width, height, rgba: raw.data.byteOffset % 4 === 0 ? pixels : pixels.slice() };
}

/**
 * A raster's full pixels, upright sRGB with alpha; resampled to `size` (upright) when given. Charged to the
 * decode budget as a full decode either way: a WebP is decoded whole before it is resampled.
 */
async function decodeFull(bytes: Buffer, p: Prepared, maxPixels: number, size?: Size): Promise<RawImage> {
  try {
    return await decodeBudget.run(decodedBytes(p.width, p.height, p.format), () => {
      let image = sharp(bytes, sharpInputOptions(maxPixels)).rotate().toColourspace('srgb').ensureAlpha();
      // No shrink-on-load: a JPEG and a WebP of one size must be halved by one method. The kernel is named:
      // a saved similarity graph holds verdicts made with it (verify.ts VERIFICATION_RULES).
      if (size) image = image.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3', fastShrinkOnLoad: false });
      return image.raw().toBuffer({ resolveWithObject: true });
    });
  } catch (error) {
    throw fromSharp(error, p.format, maxPixels);
  }
}

export { sha256 } from './sha256';
