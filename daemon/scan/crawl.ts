/**
 * Lists the image files under the roots with their size, mtime and inode. Symbolic links are never
 * followed: a link's target inside a root is crawled on its own, one outside must not be read, and a link
 * loop cannot trap us. Unreadable folders are reported and skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitignoreStack, makeFileFilter } from './filter';

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

const STAT_CONCURRENCY = 64;

function toPosix(relative: string): string {
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

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

export async function crawl(options: CrawlOptions): Promise<CrawlResult> {
  const filter = makeFileFilter(options.include, options.exclude, options.sources);
  const skip = new Set(options.skipFolders ?? []);
  const files: FileStat[] = [];
  const sources: FileStat[] = [];
  const errors: CrawlError[] = [];
  const pending: Array<{ path: string; source: boolean }> = [];

  for (const root of options.roots) {
    const gitignore = options.gitignore ? new GitignoreStack(root) : undefined;
    const folders = [root];
    while (folders.length > 0) {
      const folder = folders.pop()!;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(folder, { withFileTypes: true });
      } catch (error) {
        errors.push({ path: folder, message: `cannot read folder: ${describeFsError(error)}` });
        continue;
      }
      for (const entry of entries) {
        const absolute = path.join(folder, entry.name);
        const relative = toPosix(path.relative(root, absolute));
        if (entry.isDirectory()) {
          if (skip.has(absolute) || !filter.enterFolder(relative)) continue;
          if (gitignore?.ignores(absolute, true)) continue;
          folders.push(absolute);
        } else if (entry.isFile()) {
          const image = filter.acceptFile(relative);
          if (!image && !filter.acceptSource(relative)) continue;
          if (gitignore?.ignores(absolute, false)) continue;
          pending.push({ path: absolute, source: !image });
        }
        // Symbolic links, sockets, FIFOs and devices are not images we index.
      }
    }
  }

  // Stat in bounded parallel batches: 100 000 sequential awaits would dominate a warm rescan.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const file = pending[next++];
      try {
        const stat = await fs.promises.stat(file.path);
        (file.source ? sources : files).push({ path: file.path, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino });
      } catch (error) {
        errors.push({ path: file.path, message: `cannot stat file: ${describeFsError(error)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: STAT_CONCURRENCY }, worker));
  const byPath = (a: FileStat, b: FileStat): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { files: files.sort(byPath), sources: sources.sort(byPath), errors };
}
