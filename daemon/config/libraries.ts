/**
 * Shared libraries (`libraries` in doublon.config.json): folders of canonical assets with the public URL they
 * are served from. A library outside the roots is scanned with the site (its images must be hashed to be
 * recognised) but is never a place a plan may write: the roots stay the site's, and a reference to a library
 * image outside them is written as the library's URL (daemon/refs rewriteReference).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LibrarySetting } from '../../protocol/settings';
import { quotePath } from '../report/printable';

export interface ResolvedLibrary {
  /** The folder, absolute and real (links resolved). */
  dir: string;
  /** The public base URL, as configured. */
  url: string;
  /** Inside one of the site's roots: references to it are rewritten as relative paths, like any file's. */
  insideRoots: boolean;
}

const isInside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/** Resolves the configured libraries against the config's folder; returns them and the problems (missing folders). */
export function resolveLibraries(
  settings: readonly LibrarySetting[],
  baseDir: string,
  roots: readonly string[],
): { libraries: ResolvedLibrary[]; problems: string[] } {
  const libraries: ResolvedLibrary[] = [];
  const problems: string[] = [];
  settings.forEach((setting, i) => {
    const given = path.resolve(baseDir, setting.path);
    let dir: string;
    try {
      dir = fs.realpathSync(given);
      if (!fs.statSync(dir).isDirectory()) throw new Error('not a folder');
    } catch {
      problems.push(`libraries[${i}].path: ${quotePath(given)} is not an existing folder`);
      return;
    }
    libraries.push({ dir, url: setting.url, insideRoots: roots.some((root) => isInside(dir, root)) });
  });
  return { libraries, problems };
}

/** The library holding `file` (absolute), if any. */
export function libraryOf<L extends { dir: string }>(file: string, libraries: readonly L[]): L | undefined {
  const abs = path.resolve(file);
  return libraries.find((library) => isInside(abs, library.dir) && abs !== library.dir);
}

/** Whether `file` is the site's own: not in a library outside the roots (those are scanned, not the site's). */
export function isSiteFile(file: string, libraries: readonly ResolvedLibrary[]): boolean {
  return (
    libraries.length === 0 ||
    libraryOf(
      file,
      libraries.filter((library) => !library.insideRoots),
    ) === undefined
  );
}

/** The folders a scan walks: the roots, and the libraries outside them (read only: never in `roots`). */
export function scannedRoots(config: { roots: string[]; libraries: readonly ResolvedLibrary[] }): string[] {
  const outside = config.libraries.filter((library) => !library.insideRoots).map((library) => library.dir);
  return [...new Set([...config.roots, ...outside])].filter(
    (dir, i, all) => !all.some((other, j) => j !== i && other !== dir && isInside(dir, other)),
  );
}
