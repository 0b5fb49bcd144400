/**
 * What an SVG may cost before librsvg sees it. librsvg parses the whole document into a tree (about 2.5 KB
 * of native memory per element, measured: 200 000 `<rect>` in 19 MB took 527 MB just to read the size and
 * 1.5 GB to render), and rendering time grows with path data (a stroked path of 100 000 segments: 187 s).
 * A cheap byte scan counts elements and path numbers so a pathological file is refused before any parse.
 *
 * Defaults, from real sets (measured 2026-11 on Debian's papirus/breeze icon themes, openclipart-svg,
 * inkscape-tutorials and ../shared/realworld): icons weigh at most 250 KB (breeze `kmplot.svg`, 957
 * elements at most), illustrations up to 1.96 MB with 15 847 elements and 183 472 path numbers (the
 * inkscape pixel-art tutorial); openclipart's largest is 1.68 MB. Each limit is 2.5–3× the largest real file.
 */
import { formatBytes } from '../../protocol/units';
import { ImageDecodeError } from './decode-error';

/** Default `maxSvgBytes`: SVG files larger than this are refused. */
export const DEFAULT_MAX_SVG_BYTES = 5 * 1024 * 1024;
/** Elements (start tags) an SVG may hold. */
export const MAX_SVG_ELEMENTS = 50_000;
/** Numbers in path data (`d`, `points`) an SVG may hold. */
export const MAX_SVG_PATH_NUMBERS = 500_000;

export interface SvgCost {
  /** Start tags (`<` followed by a letter): elements, plus any in comments or CDATA (an upper bound). */
  elements: number;
  /** Numbers inside `d="…"` and `points="…"` attribute values. */
  pathNumbers: number;
}

const LT = 0x3c,
  QUOTE = 0x22,
  APOS = 0x27,
  EQUALS = 0x3d;

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** True when the attribute name ending just before `end` (exclusive) is `d` or `points`. */
function isPathAttribute(bytes: Uint8Array, end: number): boolean {
  let i = end;
  while (i > 0 && isSpace(bytes[i - 1])) i--;
  let start = i;
  while (start > 0 && (isLetter(bytes[start - 1]) || bytes[start - 1] === 0x3a || bytes[start - 1] === 0x2d)) start--;
  if (start === 0 || !isSpace(bytes[start - 1])) return false;
  const length = i - start;
  if (length === 1) return bytes[start] === 0x64; // d
  if (length !== 6) return false;
  return String.fromCharCode(...bytes.subarray(start, i)) === 'points';
}

/** One pass over the bytes; no string is built, no XML parsed. */
export function measureSvg(bytes: Uint8Array): SvgCost {
  let elements = 0;
  let pathNumbers = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === LT) {
      if (i + 1 < n && isLetter(bytes[i + 1])) elements++;
    } else if (c === EQUALS && isPathAttribute(bytes, i)) {
      let j = i + 1;
      while (j < n && isSpace(bytes[j])) j++;
      const quote = bytes[j];
      if (quote !== QUOTE && quote !== APOS) continue;
      let inNumber = false;
      for (j++; j < n && bytes[j] !== quote; j++) {
        const digit = isDigit(bytes[j]);
        if (digit && !inNumber) pathNumbers++;
        // "1.5.5" is two numbers and "-1-2" two as well; a run of digits and dots is close enough.
        inNumber = digit || (inNumber && bytes[j] === 0x2e);
      }
      i = j;
    }
  }
  return { elements, pathNumbers };
}

function thousands(value: number): string {
  return value.toLocaleString('en-US');
}

export interface SvgLimits {
  maxBytes?: number;
  maxElements?: number;
  maxPathNumbers?: number;
}

/** Throws ImageDecodeError ('too-large') when the SVG is over a limit; returns its cost otherwise. */
export function checkSvgBounds(bytes: Uint8Array, limits: SvgLimits = {}): SvgCost {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_SVG_BYTES;
  if (bytes.length > maxBytes) {
    throw new ImageDecodeError(
      `SVG is ${formatBytes(bytes.length)}, above the limit of ${formatBytes(maxBytes)} for SVG files (maxSvgBytes in doublon.config.json)`,
      'too-large',
      'svg',
    );
  }
  const cost = measureSvg(bytes);
  const maxElements = limits.maxElements ?? MAX_SVG_ELEMENTS;
  if (cost.elements > maxElements) {
    throw new ImageDecodeError(
      `SVG has ${thousands(cost.elements)} elements, above the limit of ${thousands(maxElements)} (rendering it would take too much memory)`,
      'too-large',
      'svg',
    );
  }
  const maxPathNumbers = limits.maxPathNumbers ?? MAX_SVG_PATH_NUMBERS;
  if (cost.pathNumbers > maxPathNumbers) {
    throw new ImageDecodeError(
      `SVG has ${thousands(cost.pathNumbers)} numbers of path data, above the limit of ${thousands(maxPathNumbers)} (rendering it would take too long)`,
      'too-large',
      'svg',
    );
  }
  return cost;
}
