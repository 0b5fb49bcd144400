/**
 * Lists the image files under the roots with their size, mtime and inode. Symbolic links are never
 * followed: a link's target inside a root is crawled on its own, one outside must not be read, and a link
 * loop cannot trap us. Unreadable folders are reported and skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { gitTreeView, makeFileFilter } from './filter';

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
  for (const byte of bytes) text += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return text;
}

/**
 * Names in `folder` that are not valid UTF-8, as their bytes. Node decodes such a name with U+FFFD in place
 * of the bad bytes, a path that does not exist: the file was reported as "vanished while being read". Paths
 * are text everywhere in Doublon (index keys, reports, references), so such a file cannot be indexed: it is
 * named, bytes escaped, with what to do.
 */
function invalidUtf8Names(folder: string): Buffer[] {
  return fs.readdirSync(folder, { encoding: 'buffer' }).filter((name) => !Buffer.from(name.toString('utf8'), 'utf8').equals(name));
}

interface GitignoreLayer {
  /** The folder holding the .gitignore, relative to the root, with a trailing `/` (empty at the root). */
  prefix: string;
  rules: Ignore;
}

interface Folder {
  absolute: string;
  /** Relative to the root, `/` separators, empty for the root. */
  relative: string;
  rules: GitignoreLayer[];
}

function readGitignore(folder: Folder): GitignoreLayer[] {
  try {
    const text = fs.readFileSync(path.join(folder.absolute, '.gitignore'), 'utf8');
    return [{ prefix: folder.relative === '' ? '' : `${folder.relative}/`, rules: ignore().add(text) }];
  } catch {
    return []; // unreadable: as if absent
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
    // Each folder carries the .gitignore rules that apply in it (its own and its ancestors'), and paths
    // are built as strings as we descend: path.relative per entry dominated the walk on large trees.
    // Inside a git work tree, git's own listing decides (parent .gitignore files, info/exclude,
    // core.excludesFile, tracked files that a pattern matches); elsewhere the .gitignore files below the root.
    const git = options.gitignore ? gitTreeView(root) : undefined;
    const folders: Folder[] = [{ absolute: root, relative: '', rules: [] }];
    while (folders.length > 0) {
      const folder = folders.pop()!;
      let entries: fs.Dirent[];
      try {
        await new Promise<void>((resolve) => setImmediate(resolve));
        entries = fs.readdirSync(folder.absolute, { withFileTypes: true });
      } catch (error) {
        errors.push({ path: folder.absolute, message: `cannot read folder: ${describeFsError(error)}` });
        continue;
      }
      if (entries.some((e) => e.name.includes('\uFFFD'))) {
        let invalid: Buffer[] = [];
        try {
          invalid = invalidUtf8Names(folder.absolute);
        } catch {
          // vanished meanwhile: the entries below say so
        }
        for (const name of invalid) {
          errors.push({ path: `${folder.absolute}${path.sep}${escapeNameBytes(name)}`, message: 'skipped: the name is not valid UTF-8 (bytes shown as \\xNN); rename it to index it' });
        }
        if (invalid.length > 0) {
          const decoded = new Set(invalid.map((name) => name.toString('utf8')));
          entries = entries.filter((e) => !decoded.has(e.name));
        }
      }
      const rules = options.gitignore && !git && entries.some((e) => e.name === '.gitignore' && e.isFile())
        ? [...folder.rules, ...readGitignore(folder)]
        : folder.rules;
      const ignored = git
        ? (relative: string, isFolder: boolean): boolean => git.ignoresRelative(relative, isFolder)
        : (relative: string, isFolder: boolean): boolean =>
          rules.some((layer) => layer.rules.ignores(relative.slice(layer.prefix.length) + (isFolder ? '/' : '')));
      for (const entry of entries) {
        const absolute = folder.absolute + path.sep + entry.name;
        const relative = folder.relative === '' ? entry.name : `${folder.relative}/${entry.name}`;
        if (entry.isDirectory()) {
          if (skip.has(absolute) || !filter.enterFolder(relative) || ignored(relative, true)) continue;
          folders.push({ absolute, relative, rules });
        } else if (entry.isFile()) {
          const image = filter.acceptFile(relative);
          if (!image && !filter.acceptSource(relative)) continue;
          if (ignored(relative, false)) continue;
          pending.push({ path: absolute, source: !image });
        }
        // Symbolic links, sockets, FIFOs and devices are not images we index.
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
