/**
 * Lists the image and source files under the roots with their size, mtime and inode, through the one walker
 * (daemon/fs/walk.ts: links never followed) pruned by the include/exclude globs and what git ignores
 * (daemon/scan/gitignore.ts). Unreadable folders and names that are not UTF-8 are reported and skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkFiles, walkFolders, type SubFolder } from '../fs/walk';
import { makeFileFilter, type FileFilter } from './filter';
import { GitignoreStack } from './gitignore';

export interface FileStat {
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface CrawlError {
  path: string;
  message: string;
}

export interface CrawlOptions {
  roots: string[];
  include: string[];
  exclude: string[];
  gitignore: boolean;
  /** Globs of source files whose references are read (empty: images only). */
  sources?: string[];
  /** Absolute folders never entered (the index itself). */
  skipFolders?: string[];
}

export interface CrawlResult {
  /** Images. */
  files: FileStat[];
  /** Source files (HTML, CSS, JS…) when `sources` globs were given. */
  sources: FileStat[];
  errors: CrawlError[];
}

const STAT_BATCH = 500;

export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'vanished while being read';
    case 'ELOOP':
      return 'symbolic link loop';
    default:
      return e.message ?? String(error);
  }
}

/** A file name's bytes for a message: printable ASCII as is, every other byte as \xNN. */
export function escapeNameBytes(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes)
    text += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return text;
}

/** What a walk below a root leaves out: the index folder, excluded folders, folders git ignores. */
export interface Pruning {
  filter: FileFilter;
  /** What git ignores under the root, when `gitignore` is on. */
  gitignore?: GitignoreStack;
  /** Absolute folders never entered (the index itself). */
  skipFolders?: ReadonlySet<string>;
}

/** The walker's `enter` for a root's tree (folders relative to the root). */
export function enterFolderUnder(pruning: Pruning): (folder: SubFolder) => boolean {
  return (folder) =>
    !pruning.skipFolders?.has(folder.absolute) &&
    pruning.filter.enterFolder(folder.relative) &&
    !(pruning.gitignore?.ignoresRelative(folder.relative, true) ?? false);
}

/**
 * Every file below `folder` (inside `root`), pruned like the crawl; for the daemon, when a folder appears or
 * moves in. Which of them are images or sources is the caller's question.
 */
export function filesBelow(folder: string, root: string, pruning: Pruning): string[] {
  const startRelative = path.relative(root, folder).split(path.sep).join('/');
  return [...walkFiles(folder, { startRelative, enter: enterFolderUnder(pruning) })];
}

export async function crawl(options: CrawlOptions): Promise<CrawlResult> {
  const filter = makeFileFilter(options.include, options.exclude, options.sources);
  const skipFolders = new Set(options.skipFolders ?? []);
  const files: FileStat[] = [];
  const sources: FileStat[] = [];
  const errors: CrawlError[] = [];
  const pending: Array<{ path: string; source: boolean }> = [];

  for (const root of options.roots) {
    // One listing of git per root, kept for the crawl (no re-listing: a crawl is a snapshot).
    const gitignore = options.gitignore ? new GitignoreStack(root, { relist: false }) : undefined;
    const walk = walkFolders(root, {
      enter: enterFolderUnder({ filter, gitignore, skipFolders }),
      onUnreadable: (folder, error) => errors.push({ path: folder, message: `cannot read folder: ${describeFsError(error)}` }),
    });
    for (const folder of walk) {
      // A daemon keeps answering requests during its scan.
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (const name of folder.invalidNames) {
        errors.push({
          path: `${folder.absolute}${path.sep}${escapeNameBytes(name)}`,
          message: 'skipped: the name is not valid UTF-8 (bytes shown as \\xNN); rename it to index it',
        });
      }
      gitignore?.sawFolder(
        folder.relative,
        folder.entries.some((e) => e.name === '.gitignore' && e.isFile()),
      );
      for (const entry of folder.entries) {
        // Folders are the walker's (through `enter`); links, sockets, FIFOs and devices are not indexed.
        if (!entry.isFile()) continue;
        const relative = folder.relative === '' ? entry.name : `${folder.relative}/${entry.name}`;
        const image = filter.acceptFile(relative);
        if (!image && !filter.acceptSource(relative)) continue;
        if (gitignore?.ignoresRelative(relative, false)) continue;
        pending.push({ path: folder.absolute + path.sep + entry.name, source: !image });
      }
    }
  }

  // Synchronous stats, yielding to the event loop every few hundred: a stat is a few microseconds, while
  // an asynchronous one costs a thread-pool round trip (10x slower over 100 000 files). The yields keep a
  // daemon answering requests during its scan.
  for (let i = 0; i < pending.length; i++) {
    if (i % STAT_BATCH === STAT_BATCH - 1) await new Promise<void>((resolve) => setImmediate(resolve));
    const file = pending[i];
    try {
      const stat = fs.statSync(file.path);
      (file.source ? sources : files).push({ path: file.path, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino });
    } catch (error) {
      errors.push({ path: file.path, message: `cannot stat file: ${describeFsError(error)}` });
    }
  }
  const byPath = (a: FileStat, b: FileStat): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { files: files.sort(byPath), sources: sources.sort(byPath), errors };
}
