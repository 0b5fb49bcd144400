/**
 * What a plan may touch. A plan is data that can come from anywhere (a client of the daemon, a file): before
 * anything is written, every path it names is checked against the roots and the index, never trusted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The real path of a file: its folder's links resolved (the file itself may not exist yet), then its own. */
export function realPathOf(file: string): string {
  const abs = path.resolve(file);
  let real: string;
  try {
    real = path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
  } catch {
    return abs; // a folder that does not exist: judged by its name
  }
  try {
    return fs.realpathSync(real);
  } catch {
    return real;
  }
}

/** The roots, real (a root given through a link compares with real paths). */
export function realRoots(roots: readonly string[]): string[] {
  return roots.map((r) => {
    try {
      return fs.realpathSync(r);
    } catch {
      return path.resolve(r);
    }
  });
}

/** Is `p` (absolute, real) strictly inside one of the folders? */
export function isUnder(p: string, folders: readonly string[]): boolean {
  return folders.some((f) => p.startsWith(f.endsWith(path.sep) ? f : f + path.sep));
}

/**
 * Why a path may not be written or moved by a plan, or undefined: it must be absolute, free of NUL, inside a
 * root once links are resolved (folder and file), and outside the index folder (journal, trash, database).
 */
export function outsideProblem(p: unknown, roots: readonly string[], indexDir: string | undefined): string | undefined {
  if (typeof p !== 'string' || p === '' || p.includes('\0')) return 'not a path';
  if (!path.isAbsolute(p)) return 'not an absolute path';
  const real = realPathOf(p);
  if (!isUnder(real, realRoots(roots)))
    return `outside the roots (${roots.join(', ')})${real !== path.resolve(p) ? ` once links are resolved (${real})` : ''}`;
  if (indexDir && isUnder(real, realRoots([indexDir]))) return 'inside the index folder';
  return undefined;
}
