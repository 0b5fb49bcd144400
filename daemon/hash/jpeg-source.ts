/**
 * What a JPEG's decoded pixels depend on: the file without its comments and its metadata segments, plus the
 * EXIF orientation. Two files with the same pixel source decode to the same upright pixels, so a copy that
 * differs only in metadata (EXIF added or stripped, a comment, XMP) needs no decode of its own for its pixel
 * digest (decode.ts). Anything not understood here gives no source (the file is decoded as usual): the
 * source must never be the same for two files whose pixels differ.
 */
import { createHash } from 'node:crypto';

/** APPn segments kept in the source, as they can change the decoded colours: JFIF (APP0), ICC profile and MPF (APP2), Adobe (APP14). */
const KEPT_APP = new Set([0xe0, 0xe2, 0xee]);

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

/**
 * The orientation an EXIF block (the TIFF structure at [start, end)) gives, read strictly: a well-formed
 * header and first IFD, at most one orientation entry, of type SHORT, 1..8; 1 when there is none. Undefined
 * for anything else, where libvips's own reading might differ from ours.
 */
function strictOrientation(b: Uint8Array, start: number, end: number): number | undefined {
  if (start + 8 > end) return undefined;
  const le = b[start] === 0x49 && b[start + 1] === 0x49;
  if (!le && !(b[start] === 0x4d && b[start + 1] === 0x4d)) return undefined;
  const r16 = (i: number): number => (le ? b[i] | (b[i + 1] << 8) : u16be(b, i));
  const r32 = (i: number): number => (le ? r16(i) + r16(i + 2) * 0x10000 : r16(i) * 0x10000 + r16(i + 2));
  if (r16(start + 2) !== 42) return undefined;
  const ifd = start + r32(start + 4);
  if (ifd < start + 8 || ifd + 2 > end) return undefined;
  const count = r16(ifd);
  if (ifd + 2 + 12 * count > end) return undefined;
  let orientation: number | undefined;
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + 12 * k;
    if (r16(e) !== 0x0112) continue;
    if (orientation !== undefined || r16(e + 2) !== 3 || r32(e + 4) !== 1) return undefined;
    orientation = r16(e + 8);
    if (orientation < 1 || orientation > 8) return undefined;
  }
  return orientation ?? 1;
}

/** A marker segment: its marker byte and where it lies in the file (the first scan's runs to the end of the file). */
interface Segment {
  marker: number;
  start: number;
  end: number;
}

/**
 * The segments of a JPEG up to its first scan (SOS, the last one given), or undefined when the bytes are not
 * a JPEG whose segments can be read plainly (fill bytes, stray markers, a length past the end).
 */
function segmentsToFirstScan(bytes: Uint8Array): Segment[] | undefined {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const segments: Segment[] = [];
  let i = 2;
  while (i + 4 <= n) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) return undefined; // fill bytes between segments: not read here
    if (marker === 0xda) {
      segments.push({ marker, start: i, end: n });
      return segments;
    }
    if (marker === 0xd8 || marker === 0xd9 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) return undefined;
    const end = i + 2 + u16be(bytes, i + 2);
    if (end < i + 4 || end > n) return undefined;
    segments.push({ marker, start: i, end });
    i = end;
  }
  return undefined;
}

/**
 * The sha256 (hex) of a JPEG's pixel source: every byte but comment segments and APPn segments other than
 * KEPT_APP, up to the first scan, everything from there on, and the EXIF orientation. Undefined when the bytes
 * are not a JPEG whose segments this reads plainly (then the file is decoded like any other).
 */
export function jpegPixelSource(bytes: Uint8Array): string | undefined {
  const segments = segmentsToFirstScan(bytes);
  if (!segments) return undefined;
  const kept: [number, number][] = [[0, 2]];
  let orientation = 1;
  let exifSegments = 0;
  for (const { marker, start, end } of segments) {
    const isApp = marker >= 0xe0 && marker <= 0xef;
    if (marker === 0xe1 && end - start >= 8 && String.fromCharCode(...bytes.subarray(start + 4, start + 8)) === 'Exif') {
      // libvips takes the orientation from an EXIF block: read it the same way, or give up.
      if (++exifSegments > 1 || end - start < 10 || bytes[start + 8] !== 0 || bytes[start + 9] !== 0) return undefined;
      const read = strictOrientation(bytes, start + 10, end);
      if (read === undefined) return undefined;
      orientation = read;
    } else if (!(marker === 0xfe || (isApp && !KEPT_APP.has(marker)))) kept.push([start, end]);
  }
  const hash = createHash('sha256').update(`jpeg orientation ${orientation}\n`);
  for (const [from, to] of kept) hash.update(bytes.subarray(from, to));
  return hash.digest('hex');
}

/** SOFn markers (the frame header: size, components, their sampling and quantization table): C0–CF but DHT, JPG and DAC. */
function isFrameHeader(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * 8 bytes identifying how a JPEG was quantized: the sha256 of its quantization tables (DQT) and frame header
 * (components, sampling, table selectors). Lossless rewrites (jpegtran's optimize or progressive, metadata
 * edits) keep them; a re-encoding at another quality or subsampling changes them, and its pixels with them
 * — so two JPEGs of other tables are not worth a full decode each to look for identical pixels
 * (verify.ts mayBePixelTwins: 400 of the photo benchmark's 845 digest decodes were such pairs). Undefined
 * when the segments are not read plainly.
 */
export function jpegCodingTables(bytes: Uint8Array): Uint8Array | undefined {
  const segments = segmentsToFirstScan(bytes);
  if (!segments) return undefined;
  const hash = createHash('sha256');
  for (const { marker, start, end } of segments) if (marker === 0xdb || isFrameHeader(marker)) hash.update(bytes.subarray(start, end));
  return new Uint8Array(hash.digest().subarray(0, 8));
}
