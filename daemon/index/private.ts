/**
 * The index folder is private: `.doublon/` is 0700 and what Doublon writes there 0600 (folders 0700). It
 * holds the daemon's token (daemon.json), file names and references of the whole repository, thumbnails,
 * the log. LMDB creates its files 0664 less the umask, so they are tightened after opening; an index made
 * by an older version (0755 / 0644) is tightened at the next open.
 *
 * The trash and the replacement journal hold the user's own files with the modes they must get back on
 * undo: they are left as they are (the 0700 folder already keeps others out).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Folders inside the index folder whose files are the user's, with modes to preserve. */
const USER_FILES = new Set(['trash', 'journal']);

function ownedByUs(stat: fs.Stats): boolean {
  return typeof process.getuid !== 'function' || stat.uid === process.getuid();
}

function tighten(file: string, stat: fs.Stats, mode: number): void {
  if ((stat.mode & 0o777 & ~mode) === 0 || !ownedByUs(stat)) return;
  try {
    fs.chmodSync(file, mode);
  } catch {
    // Another owner's file on a shared disk, a read-only mount: the 0700 folder is what matters.
  }
}

/** Creates `dir` with mode 0700 (missing parents get the usual mode); an existing one of ours is tightened. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = fs.statSync(dir);
  if (process.platform !== 'win32') tighten(dir, stat, PRIVATE_DIR_MODE);
}

function tightenTree(dir: string, depth: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat || stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) {
      // A folder already private was tightened before (or made so): its files need no walk (thumbnails).
      const wasOpen = (stat.mode & 0o077) !== 0;
      tighten(file, stat, PRIVATE_DIR_MODE);
      if (wasOpen && depth < 3 && !(depth === 0 && USER_FILES.has(name))) tightenTree(file, depth + 1);
    } else if (stat.isFile() || stat.isSocket()) {
      tighten(file, stat, PRIVATE_FILE_MODE);
    }
  }
}

/**
 * Makes a folder of the index private: the folder 0700, its files 0600, its folders 0700 (the LMDB
 * environments, thumbnails, damaged copies; their contents when they were not private yet), except the
 * contents of trash/ and journal/.
 */
export function tightenIndexDir(indexDir: string): void {
  if (process.platform === 'win32') return;
  makePrivateDir(indexDir);
  tightenTree(indexDir, 0);
}
