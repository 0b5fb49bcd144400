/**
 * Validation of `doublon.config.json`. Every message names the key, what was expected and what was found,
 * e.g. `thresholds.nearSimilarity: expected a number between 0 and 1, received 7 (number)`.
 */
import {
  DEFAULT_CONFIG,
  FAIL_ON_VALUES,
  type DoublonConfig,
  type FailOn,
  type IgnoredSet,
  type LibrarySetting,
} from '../../protocol/settings';
import type { CanonicalRule } from '../../protocol/report';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const CANONICAL_RULES: readonly CanonicalRule[] = [
  'preferred',
  'most-referenced',
  'highest-resolution',
  'lossless',
  'smallest-file',
  'oldest',
  'shortest-path',
  'lexical',
];

/** Ranges of the numeric settings, shared with the JSON schema (schema.ts). */
export const LIMITS = {
  maxPixels: { min: 1, max: 1e12 },
  maxSvgBytes: { min: 1, max: 1e10 },
  nearSimilarity: { min: 0.5, max: 1 },
  /** Libraries a config may name (each is scanned with the site). */
  libraries: { maxItems: 64 },
} as const;

/** A library's URL: absolute http(s), or root-relative on the site's own host (`/assets/`). */
export const LIBRARY_URL_PATTERN = '^(https?://[^\\s/]+|/)[^\\s]*$';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const shown =
    typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined
      ? String(value)
      : (JSON.stringify(value) ?? typeof value);
  return `${shown.length > 60 ? shown.slice(0, 57) + '...' : shown} (${typeof value})`;
}

/** Collects problems instead of stopping at the first, so a user fixes the whole file in one go. */
class Checker {
  readonly problems: string[] = [];

  fail(key: string, expected: string, actual: unknown): undefined {
    this.problems.push(`${key}: expected ${expected}, received ${describe(actual)}`);
    return undefined;
  }

  stringArray(key: string, value: unknown, nonEmpty = false): string[] | undefined {
    const expected = nonEmpty ? 'a non-empty array of strings' : 'an array of strings';
    if (!Array.isArray(value) || (nonEmpty && value.length === 0)) return this.fail(key, expected, value);
    value.forEach((item, i) => {
      if (typeof item !== 'string' || item === '') this.fail(`${key}[${i}]`, 'a non-empty string', item);
    });
    return value as string[];
  }

  enumArray<T extends string>(key: string, value: unknown, allowed: readonly T[]): T[] | undefined {
    const list = this.stringArray(key, value);
    if (!list) return undefined;
    list.forEach((item, i) => {
      if (!allowed.includes(item as T)) this.fail(`${key}[${i}]`, `one of ${allowed.join(', ')}`, item);
    });
    return list as T[];
  }

  number(key: string, value: unknown, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      return this.fail(key, `a number between ${min} and ${max}`, value);
    }
    return value;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks `raw` (parsed JSON) and returns a full config with defaults filled in, or throws ConfigError. */
export function validateConfig(raw: unknown, file: string): DoublonConfig {
  const check = new Checker();
  if (!isObject(raw)) {
    check.fail('(top level)', 'an object', raw);
    throw new ConfigError(file, check.problems);
  }
  const config: DoublonConfig = structuredClone(DEFAULT_CONFIG);
  const known = new Set(Object.keys(DEFAULT_CONFIG).concat('$schema'));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) check.problems.push(`${key}: unknown key (known keys: ${[...known].filter((k) => k !== '$schema').join(', ')})`);
  }

  if ('roots' in raw) config.roots = check.stringArray('roots', raw.roots, true) ?? config.roots;
  if ('include' in raw) config.include = check.stringArray('include', raw.include, true) ?? config.include;
  if ('exclude' in raw) config.exclude = check.stringArray('exclude', raw.exclude) ?? config.exclude;
  if ('sources' in raw) config.sources = check.stringArray('sources', raw.sources) ?? config.sources;
  if ('webRoots' in raw) config.webRoots = check.stringArray('webRoots', raw.webRoots) ?? config.webRoots;
  if ('gitignore' in raw) {
    if (typeof raw.gitignore === 'boolean') config.gitignore = raw.gitignore;
    else check.fail('gitignore', 'true or false', raw.gitignore);
  }
  if ('failOn' in raw) config.failOn = check.enumArray<FailOn>('failOn', raw.failOn, FAIL_ON_VALUES) ?? config.failOn;
  if ('maxPixels' in raw)
    config.maxPixels = check.number('maxPixels', raw.maxPixels, LIMITS.maxPixels.min, LIMITS.maxPixels.max) ?? config.maxPixels;
  if ('maxSvgBytes' in raw)
    config.maxSvgBytes = check.number('maxSvgBytes', raw.maxSvgBytes, LIMITS.maxSvgBytes.min, LIMITS.maxSvgBytes.max) ?? config.maxSvgBytes;
  if ('indexDir' in raw) {
    if (typeof raw.indexDir === 'string' && raw.indexDir !== '') config.indexDir = raw.indexDir;
    else check.fail('indexDir', 'a non-empty string', raw.indexDir);
  }

  if ('thresholds' in raw) {
    const t = raw.thresholds;
    if (!isObject(t)) check.fail('thresholds', 'an object', t);
    else {
      for (const key of Object.keys(t)) {
        if (key !== 'nearSimilarity') check.problems.push(`thresholds.${key}: unknown key (known keys: nearSimilarity)`);
      }
      if ('nearSimilarity' in t) {
        config.thresholds.nearSimilarity =
          check.number('thresholds.nearSimilarity', t.nearSimilarity, LIMITS.nearSimilarity.min, LIMITS.nearSimilarity.max) ??
          config.thresholds.nearSimilarity;
      }
    }
  }

  if ('canonical' in raw) {
    const c = raw.canonical;
    if (!isObject(c)) check.fail('canonical', 'an object', c);
    else {
      for (const key of Object.keys(c)) {
        if (key !== 'preferred' && key !== 'rules') check.problems.push(`canonical.${key}: unknown key (known keys: preferred, rules)`);
      }
      if ('preferred' in c) config.canonical.preferred = check.stringArray('canonical.preferred', c.preferred) ?? [];
      if ('rules' in c) config.canonical.rules = check.enumArray('canonical.rules', c.rules, CANONICAL_RULES) ?? config.canonical.rules;
    }
  }

  if ('ignore' in raw) {
    if (!Array.isArray(raw.ignore)) check.fail('ignore', 'an array of globs or { "paths": [...] }', raw.ignore);
    else {
      config.ignore = [];
      raw.ignore.forEach((entry: unknown, i) => {
        if (typeof entry === 'string' && entry !== '') config.ignore.push(entry);
        else if (isObject(entry) && Array.isArray(entry.paths)) {
          for (const key of Object.keys(entry)) {
            if (key !== 'paths') check.problems.push(`ignore[${i}].${key}: unknown key (known keys: paths)`);
          }
          const paths = check.stringArray(`ignore[${i}].paths`, entry.paths, true);
          if (paths) config.ignore.push({ paths } satisfies IgnoredSet);
        } else check.fail(`ignore[${i}]`, 'a glob string or { "paths": [two or more files] }', entry);
      });
    }
  }

  if ('libraries' in raw) config.libraries = validateLibraries(check, raw.libraries);

  if (check.problems.length > 0) throw new ConfigError(file, check.problems);
  return config;
}

function validateLibraries(check: Checker, value: unknown): LibrarySetting[] {
  const expected = `an array of at most ${LIMITS.libraries.maxItems} { "path": folder, "url": public base URL }`;
  if (!Array.isArray(value) || value.length > LIMITS.libraries.maxItems) return check.fail('libraries', expected, value) ?? [];
  const libraries: LibrarySetting[] = [];
  const url = new RegExp(LIBRARY_URL_PATTERN);
  value.forEach((entry: unknown, i) => {
    const key = `libraries[${i}]`;
    if (!isObject(entry)) return check.fail(key, '{ "path": folder, "url": public base URL }', entry);
    for (const k of Object.keys(entry)) {
      if (k !== 'path' && k !== 'url') check.problems.push(`${key}.${k}: unknown key (known keys: path, url)`);
    }
    const ok = [
      typeof entry.path === 'string' && entry.path !== ''
        ? true
        : check.fail(`${key}.path`, 'a non-empty string (a folder, relative to this file)', entry.path),
      typeof entry.url === 'string' && url.test(entry.url)
        ? true
        : check.fail(`${key}.url`, 'an http(s) URL or a path from the site\'s root ("/assets/")', entry.url),
    ].every(Boolean);
    if (ok) libraries.push({ path: entry.path as string, url: entry.url as string });
  });
  return libraries;
}
