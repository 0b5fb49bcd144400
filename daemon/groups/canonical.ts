/**
 * Canonical choice: an ordered list of rules, each a comparison that may prefer one file. The first rule
 * that separates the winner from the runner-up is reported as the reason, so a user sees *why*.
 */
import type { CanonicalRule } from '../../protocol/report';

export interface CanonicalCandidate {
  /** Absolute path. */
  path: string;
  /** Path relative to the config folder, `/` separators: what preferred globs match. */
  relativePath: string;
  bytes: number;
  width: number;
  height: number;
  lossless: boolean;
  mtimeMs: number;
  references: number;
}

/** Negative when `a` should be canonical rather than `b`, positive for the reverse, 0 when the rule cannot tell. */
type Comparison = (a: CanonicalCandidate, b: CanonicalCandidate) => number;

/** How strongly a path is preferred: 0 for most, 1 for the configured library, 2 for a file a user pinned. */
export type PreferenceRank = (relativePath: string) => number;

/**
 * Formats every current browser displays in <img> and CSS. TIFF, PSD, HEIC/HEIF (Safari only), JPEG XL
 * (Safari only), camera raws and other editing formats are not: never the file web pages are pointed at.
 */
const WEB_FORMATS = new Set([
  'png',
  'apng',
  'jpg',
  'jpeg',
  'jpe',
  'jfif',
  'pjpeg',
  'pjp',
  'gif',
  'webp',
  'avif',
  'svg',
  'svgz',
  'ico',
  'cur',
  'bmp',
]);

/** Whether browsers display this file (by its extension, which is also what a web server's type says). */
export function isWebSafe(filePath: string): boolean {
  const dot = filePath.lastIndexOf('.');
  return dot > filePath.lastIndexOf('/') && WEB_FORMATS.has(filePath.slice(dot + 1).toLowerCase());
}

function comparisons(preferred: PreferenceRank): Record<CanonicalRule, Comparison> {
  return {
    'web-safe': (a, b) => Number(isWebSafe(b.path)) - Number(isWebSafe(a.path)),
    preferred: (a, b) => preferred(b.relativePath) - preferred(a.relativePath),
    'most-referenced': (a, b) => b.references - a.references,
    'highest-resolution': (a, b) => b.width * b.height - a.width * a.height,
    lossless: (a, b) => Number(b.lossless) - Number(a.lossless),
    'smallest-file': (a, b) => a.bytes - b.bytes,
    oldest: (a, b) => a.mtimeMs - b.mtimeMs,
    'shortest-path': (a, b) => a.relativePath.length - b.relativePath.length,
    lexical: (a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0),
  };
}

export interface CanonicalChoice<T extends CanonicalCandidate> {
  canonical: T;
  rule: CanonicalRule;
  /** Members, canonical first, then in the same order of preference. */
  ordered: T[];
}

export class CanonicalChooser {
  private readonly rules: Array<[CanonicalRule, Comparison]>;

  constructor(rules: CanonicalRule[], preferred: PreferenceRank) {
    const all = comparisons(preferred);
    // 'web-safe' always leads (not even a pinned TIFF is what web pages may point at), then 'preferred';
    // 'lexical' always ends the chain so the choice is deterministic.
    const order: CanonicalRule[] = [
      'web-safe',
      'preferred',
      ...rules.filter((r) => r !== 'web-safe' && r !== 'preferred' && r !== 'lexical'),
      'lexical',
    ];
    this.rules = order.map((rule) => [rule, all[rule]]);
  }

  choose<T extends CanonicalCandidate>(members: T[]): CanonicalChoice<T> {
    const ordered = [...members].sort((a, b) => this.compare(a, b));
    const [canonical, runnerUp] = ordered;
    let rule: CanonicalRule = 'lexical';
    if (runnerUp) {
      for (const [name, compare] of this.rules) {
        if (compare(canonical, runnerUp) !== 0) {
          rule = name;
          break;
        }
      }
    }
    return { canonical, rule, ordered };
  }

  private compare(a: CanonicalCandidate, b: CanonicalCandidate): number {
    for (const [, compare] of this.rules) {
      const result = compare(a, b);
      if (result !== 0) return result;
    }
    return 0;
  }
}
