/**
 * The scan report: what `doublon scan --json` and `doublon check --format json` print, and what
 * `doublon/groups` returns. A stable contract: fields are only ever added, and `version` changes if
 * a field's meaning does.
 */

export const REPORT_VERSION = 1 as const;

/** How two images are the same. Ordered from the strictest to the loosest. */
export type DuplicateClass = 'exact' | 'pixel' | 'near';
export const DUPLICATE_CLASSES: readonly DuplicateClass[] = ['exact', 'pixel', 'near'];

/** The rule that chose a group's canonical file (see daemon/groups/canonical.ts). */
export type CanonicalRule =
  /** Always first: a format browsers display (not TIFF, PSD, HEIC/HEIF, JPEG XL…) is the one web references are pointed at. */
  | 'web-safe'
  | 'preferred'
  | 'most-referenced'
  | 'highest-resolution'
  | 'lossless'
  | 'smallest-file'
  | 'oldest'
  | 'shortest-path'
  | 'lexical';

export interface ReportMember {
  /** Relative to the working directory of the command (or to the first root for the daemon), `/` separators. */
  path: string;
  /** How this member relates to the canonical; the canonical itself is `exact`. */
  class: DuplicateClass;
  /** 1 for exact and pixel copies, below 1 for near copies. */
  similarity: number;
  bytes: number;
  width: number;
  height: number;
  /** SHA-256 of the file's bytes (hex): what baselines key on, with the path. */
  sha256: string;
  /** Number of references to this file found in source files. */
  references?: number;
  /** Where it is referenced: source path (relative like `path`), 0-based line and character (LSP style). */
  referencedFrom?: ReportLocation[];
  /**
   * Present when this member is a variant of the canonical on purpose, and why ("resolution variant (@2x
   * of logo.png)", "favicon / app icon set", "referenced together in srcset or <picture>"): shown in the
   * group, never proposed for replacement, never failing `check`, never an editor diagnostic.
   */
  variant?: string;
}

export interface ReportLocation {
  path: string;
  line: number;
  character: number;
}

export interface ReportGroup {
  /** Stable while the members do not change: derived from the canonical's content hash and the class. */
  id: string;
  /** The loosest class among the members. */
  class: DuplicateClass;
  canonical: string;
  /** Where the canonical is served from, when it lies in a shared library (doublon.config.json `libraries`). */
  canonicalUrl?: string;
  rule: CanonicalRule;
  /** Bytes freed if every member but the canonical were removed. */
  bytesReclaimable: number;
  /** Includes the canonical, which comes first. */
  members: ReportMember[];
}

export interface ReportError {
  path: string;
  message: string;
}

export interface ScanReport {
  version: typeof REPORT_VERSION;
  groups: ReportGroup[];
  errors: ReportError[];
}
