/**
 * Settings, typed once: the shape of `doublon.config.json`, read by the daemon and the CLI and written by
 * the extension ("ignore this duplicate"). Validation with messages lives in daemon/config/.
 */
import type { CanonicalRule, DuplicateClass } from './report';

/** Two or more files that a person has declared distinct: never reported as duplicates of each other. */
export interface IgnoredSet {
  paths: string[];
}

export interface Thresholds {
  /** Minimal similarity (0..1] for a `near` pair. */
  nearSimilarity: number;
}

export interface CanonicalSettings {
  /** Globs (relative to the config's folder) of the preferred library: a match wins first. */
  preferred: string[];
  /** The tie-break order after `preferred`. */
  rules: CanonicalRule[];
}

/**
 * A shared library of canonical assets (the city's logo, pictograms…): a folder inside or outside the roots,
 * served from `url`. A copy of a library image in the site is a duplicate of it, whatever the canonical rules
 * say; the library is read, never written.
 */
export interface LibrarySetting {
  /** The library's folder, relative to the config's folder. */
  path: string;
  /** The public base URL it is served from (`https://cdn.example.org/assets/` or `/assets/`). */
  url: string;
}

export interface DoublonConfig {
  /** Folders to scan, relative to the config's folder. */
  roots: string[];
  /** Globs of image files to index. */
  include: string[];
  /** Globs never indexed. */
  exclude: string[];
  /** Globs of source files whose image references are indexed (HTML, CSS, JS/TS, Markdown, Vue…). */
  sources: string[];
  /** Honour `.gitignore` files found under each root. */
  gitignore: boolean;
  /** Folders served at `/` by the site, for root-relative references (`/img/a.png`). */
  webRoots: string[];
  thresholds: Thresholds;
  canonical: CanonicalSettings;
  /** A glob (files never reported) or a set of files declared distinct. */
  ignore: Array<string | IgnoredSet>;
  /** What `check` fails on: duplicate classes, and `unreadable` for images that cannot be decoded. */
  failOn: FailOn[];
  /** Images with more pixels than this are refused (decompression bombs). */
  maxPixels: number;
  /** SVG files larger than this many bytes are refused (librsvg's memory grows with the document). */
  maxSvgBytes: number;
  /** Where the index lives, relative to the config's folder. */
  indexDir: string;
  /** Shared libraries of canonical assets. */
  libraries: LibrarySetting[];
}

/** A duplicate class, or `unreadable`: an image file that cannot be read or decoded. */
export type FailOn = DuplicateClass | 'unreadable';
export const FAIL_ON_VALUES: readonly FailOn[] = ['exact', 'pixel', 'near', 'unreadable'];

/** The image files Doublon indexes (it can decode them): the default `include`. */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'jfif', 'gif', 'webp', 'avif', 'tif', 'tiff', 'svg'] as const;

/**
 * Image formats Doublon does not decode but a reference may still name (`favicon.ico`, `a.heic`): such a
 * reference is an image reference, never a page or a font. With IMAGE_EXTENSIONS, every image extension.
 */
export const OTHER_IMAGE_EXTENSIONS = ['apng', 'jpe', 'pjpeg', 'pjp', 'svgz', 'ico', 'cur', 'bmp', 'jxl', 'heic', 'heif'] as const;

export const SOURCE_EXTENSIONS = [
  'html',
  'htm',
  'xhtml',
  'njk',
  'hbs',
  'ejs',
  'liquid',
  'twig',
  'php',
  'css',
  'pcss',
  'scss',
  'less',
  'js',
  'mjs',
  'cjs',
  'jsx',
  'ts',
  'mts',
  'cts',
  'tsx',
  'md',
  'markdown',
  'vue',
  'svelte',
  'astro',
  'json',
  'webmanifest',
  'yaml',
  'yml',
] as const;

export const DEFAULT_CANONICAL_RULES: CanonicalRule[] = [
  'most-referenced',
  'highest-resolution',
  'lossless',
  'smallest-file',
  'oldest',
  'shortest-path',
  'lexical',
];

export const DEFAULT_CONFIG: DoublonConfig = {
  roots: ['.'],
  include: [`**/*.{${IMAGE_EXTENSIONS.join(',')}}`],
  exclude: ['**/node_modules/**', '**/.git/**', '**/.doublon/**'],
  // Doublon's own files list image paths without referencing them: they must not count as references.
  sources: [
    `**/*.{${SOURCE_EXTENSIONS.join(',')}}`,
    '!**/{package-lock,npm-shrinkwrap,composer.lock}.json',
    '!**/*.min.js',
    '!**/*.d.ts',
    '!**/doublon.config.json',
    '!**/doublon-baseline*.json',
    '!**/*.sarif',
  ],
  gitignore: true,
  webRoots: ['public', 'static', '.'],
  thresholds: { nearSimilarity: 0.9 },
  canonical: { preferred: [], rules: DEFAULT_CANONICAL_RULES },
  ignore: [],
  failOn: ['exact', 'pixel', 'near'],
  maxPixels: 100_000_000,
  maxSvgBytes: 5 * 1024 * 1024,
  indexDir: '.doublon',
  libraries: [],
};

export const CONFIG_FILE_NAME = 'doublon.config.json';
