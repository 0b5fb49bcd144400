/**
 * Format detection from magic bytes (never the file name), and cheap header parsing (dimensions, EXIF
 * orientation) for the common web formats, so the decode path can skip a separate `metadata()` call and
 * refuse decompression bombs before any pixel is decoded.
 */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff' | 'svg';

/** Upper-case names for messages ("truncated JPEG"). */
export const FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
  tiff: 'TIFF',
  svg: 'SVG',
};

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, bytes.length); i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** The image format of `bytes`, from magic bytes; undefined if it is not one of ours. */
export function detectFormat(bytes: Uint8Array): ImageFormat | undefined {
  const n = bytes.length;
  if (n >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    n >= 8 &&
    bytes[0] === 0x89 &&
    ascii(bytes, 1, 4) === 'PNG' &&
    bytes[4] === 0x0d &&
    bytes[5] === 0x0a &&
    bytes[6] === 0x1a &&
    bytes[7] === 0x0a
  )
    return 'png';
  if (n >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'gif';
  if (n >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (n >= 12 && ascii(bytes, 4, 8) === 'ftyp') {
    const brands = ascii(bytes, 8, Math.min(n, 8 + 64));
    if (/avi[fs]/.test(brands)) return 'avif';
    return undefined; // HEIC and other ISO-BMFF files: not ours
  }
  if (
    n >= 4 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a && bytes[3] === 0x00) ||
      (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0x00 && bytes[3] === 0x2a))
  )
    return 'tiff';
  // SVG: text, optionally with a BOM, an XML declaration, comments or a doctype before <svg.
  let start = 0;
  if (n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const head = ascii(bytes, start, start + 4096);
  if (/^\s*</.test(head) && /<svg[\s>]/i.test(head)) return 'svg';
  return undefined;
}

export interface HeaderInfo {
  /** Stored dimensions (before EXIF orientation). */
  width: number;
  height: number;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  hasAlpha?: boolean;
  /** Frames of an animation (an APNG's acTL); absent for a still image. */
  frames?: number;
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
}

/** EXIF orientation from a TIFF structure at `start` (inside a JPEG APP1 segment), 1 if absent/invalid. */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
  if (start + 8 > end) return 1;
  const le = b[start] === 0x49;
  const r16 = (i: number): number => (le ? b[i] | (b[i + 1] << 8) : u16be(b, i));
  const r32 = (i: number): number => (le ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000 : u32be(b, i));
  const ifd = start + r32(start + 4);
  if (ifd + 2 > end) return 1;
  const count = r16(ifd);
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > end) return 1;
    if (r16(e) === 0x0112) {
      const v = r16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
function u24le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
}

/**
 * A still WebP's canvas size from its first chunk (VP8 key frame, VP8L or VP8X); undefined for an animation
 * or a file with EXIF (its orientation: libvips reads it) or anything unexpected. Orientation 1.
 */
function readWebpHeader(b: Uint8Array): HeaderInfo | undefined {
  if (b.length < 30) return undefined;
  const chunk = ascii(b, 12, 16);
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes, bit 0 clear on a key frame), start code 9d 01 2a, then 14-bit width and height.
    if ((b[20] & 1) !== 0 || b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, orientation: 1 };
  }
  if (chunk === 'VP8L') {
    // Signature 0x2f, then width − 1 and height − 1 on 14 bits each, least significant bit first.
    if (b[20] !== 0x2f) return undefined;
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: 1 };
  }
  if (chunk === 'VP8X') {
    const flags = b[20];
    if (flags & (0x02 | 0x08)) return undefined; // animation, EXIF
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, orientation: 1 };
  }
  return undefined;
}

/**
 * Dimensions and orientation read from the header of a JPEG, PNG or still WebP (the common web formats),
 * or undefined when the header is not understood here (the caller then asks libvips: for a WebP, a
 * metadata() call was 0.7 ms of the 12–17 ms its fingerprint costs).
 */
export function readHeader(bytes: Uint8Array, format: ImageFormat): HeaderInfo | undefined {
  if (format === 'webp') return readWebpHeader(bytes);
  if (format === 'png') {
    if (bytes.length < 33 || ascii(bytes, 12, 16) !== 'IHDR') return undefined;
    const colourType = bytes[25];
    let hasAlpha = colourType === 4 || colourType === 6;
    let frames = 1;
    // Chunks before IDAT, a little way: a tRNS chunk also means transparency, an acTL one an animation (APNG).
    let i = 8;
    while (i + 8 <= bytes.length && i < 1 << 16) {
      const len = u32be(bytes, i);
      const type = ascii(bytes, i + 4, i + 8);
      if (type === 'tRNS') hasAlpha = true;
      if (type === 'acTL' && i + 12 <= bytes.length) frames = u32be(bytes, i + 8);
      if (type === 'IDAT' || type === 'IEND') break;
      i += 12 + len;
    }
    return { width: u32be(bytes, 16), height: u32be(bytes, 20), orientation: 1, hasAlpha, ...(frames > 1 ? { frames } : {}) };
  }
  if (format === 'jpeg') {
    let i = 2;
    let orientation = 1;
    while (i + 4 <= bytes.length) {
      if (bytes[i] !== 0xff) return undefined;
      const marker = bytes[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        i += 2;
        continue;
      }
      const len = u16be(bytes, i + 2);
      if (len < 2) return undefined;
      if (marker === 0xe1 && ascii(bytes, i + 4, i + 10) === 'Exif\0\0') {
        orientation = exifOrientation(bytes, i + 10, Math.min(bytes.length, i + 2 + len));
      }
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        if (i + 9 > bytes.length) return undefined;
        return { width: u16be(bytes, i + 7), height: u16be(bytes, i + 5), orientation, hasAlpha: false };
      }
      if (marker === 0xda) return undefined; // scan before frame header: malformed
      i += 2 + len;
    }
    return undefined;
  }
  return undefined;
}

/** True if orientation 5..8 swaps width and height. */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/** Whether a WebP file is lossless (VP8L), from its chunk headers; lossy or unknown → false. */
export function isLosslessWebp(bytes: Uint8Array): boolean {
  let i = 12;
  while (i + 8 <= bytes.length && i < 1 << 20) {
    const type = ascii(bytes, i, i + 4);
    if (type === 'VP8L') return true;
    if (type === 'VP8 ') return false;
    const len = bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24);
    i += 8 + len + (len & 1);
  }
  return false;
}
