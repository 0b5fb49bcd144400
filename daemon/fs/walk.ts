/**
 * The one directory walker: the crawl of the roots (daemon/scan/crawl.ts), the daemon's walk of a folder
 * that appeared, and the replacement engine's safety walks (daemon/replace/tree.ts) all go through it; what
 * each prunes is its own `enter` predicate.
 *
 * Depth first, synchronous (a readdir is tens of microseconds, an asynchronous one a thread-pool round trip:
 * callers that must keep an event loop answering yield between the folders this generator hands them).
 * Symbolic links are never followed: a link's target inside the tree is walked on its own, one outside must
 * not be read, and a link loop cannot trap the walk. Paths are built as strings while descending
 * (path.relative per entry dominated the walk on large trees).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WalkedFolder {
  absolute: string;
  /** Relative to the walk's base, `/` separators; `startRelative` (default empty) for the start folder. */
  relative: string;
  /** Its entries, except names that are not valid UTF-8 (in `invalidNames`). */
  entries: fs.Dirent[];
  /**
   * Names that are not valid UTF-8, as their bytes. Node decodes such a name with U+FFFD in place of the bad
   * bytes, a path that does not exist; paths are text everywhere in Doublon, so the caller says so instead.
   */
  invalidNames: Buffer[];
}

export interface SubFolder {
  absolute: string;
  relative: string;
  name: string;
}

export interface WalkOptions {
  /** The start folder's path relative to the base the caller reasons in (its root), `/` separators. */
  startRelative?: string;
  /**
   * Whether to go into a folder found in the tree (not asked for the start folder). Asked once the folder
   * holding it was handed to the caller, so rules read from that folder (a `.gitignore`) may apply.
   */
  enter?: (folder: SubFolder) => boolean;
  /** A folder that cannot be read (vanished, permission denied): passed over after this call. */
  onUnreadable?: (folder: string, error: unknown) => void;
}

/** Every folder of the tree under `start` that `enter` lets in, with its entries. */
export function* walkFolders(start: string, options: WalkOptions = {}): Generator<WalkedFolder, void, undefined> {
  const enter = options.enter ?? (() => true);
  const pending: Array<{ absolute: string; relative: string }> = [{ absolute: start, relative: options.startRelative ?? '' }];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder.absolute, { withFileTypes: true });
    } catch (error) {
      options.onUnreadable?.(folder.absolute, error);
      continue;
    }
    let invalidNames: Buffer[] = [];
    if (entries.some((e) => e.name.includes('\uFFFD'))) {
      invalidNames = invalidUtf8Names(folder.absolute);
      if (invalidNames.length > 0) {
        const decoded = new Set(invalidNames.map((name) => name.toString('utf8')));
        entries = entries.filter((e) => !decoded.has(e.name));
      }
    }
    yield { absolute: folder.absolute, relative: folder.relative, entries, invalidNames };
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const sub = {
        absolute: folder.absolute + path.sep + entry.name,
        relative: folder.relative === '' ? entry.name : `${folder.relative}/${entry.name}`,
        name: entry.name,
      };
      if (enter(sub)) pending.push({ absolute: sub.absolute, relative: sub.relative });
    }
  }
}

/** Every regular file (absolute path) of the folders `walkFolders` hands out. */
export function* walkFiles(start: string, options: WalkOptions = {}): Generator<string, void, undefined> {
  for (const folder of walkFolders(start, options)) {
    for (const entry of folder.entries) if (entry.isFile()) yield folder.absolute + path.sep + entry.name;
  }
}

function invalidUtf8Names(folder: string): Buffer[] {
  try {
    return fs.readdirSync(folder, { encoding: 'buffer' }).filter((name) => !Buffer.from(name.toString('utf8'), 'utf8').equals(name));
  } catch {
    return []; // vanished meanwhile: its entries say so when read
  }
}
