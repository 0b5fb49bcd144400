/**
 * Which files exist, answered from folder listings instead of one `stat` per candidate path.
 *
 * Resolving the references of one template tries several candidate paths per reference (the file's folder,
 * each mount, each web root), and most of them name the same few folders. A folder is listed once
 * (`readdir`) and its listing reused while the folder's own stat (mtime, ctime, inode) is unchanged: any
 * entry added, removed or renamed in a folder changes its mtime. The stat is taken at most once per folder
 * and `pass` (one re-index), so a listing is never older than the pass that reads it; the daemon's
 * watcher also drops the folders it saw change (`forget`), for file systems with coarse timestamps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Listing {
  /** Entry name → is a regular file (symbolic links are followed once, when first asked about). */
  files: Map<string, boolean | 'link'>;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  /** The pass in which the folder's stat was last compared. */
  checkedIn: number;
}

/** A folder that could not be listed (missing, not a folder, no permission): nothing exists in it. */
const NONE: Listing = { files: new Map(), mtimeMs: -1, ctimeMs: -1, ino: -1, checkedIn: -1 };

// Case-insensitive file systems (macOS, Windows) find "Logo.PNG" for "logo.png"; listings are exact, so ask them.
const EXACT_NAMES = process.platform === 'linux';

export class ExistenceCache {
  private readonly folders = new Map<string, Listing>();
  private currentPass = 0;
  /** How many folders were listed (readdir) so far: what the cache saves is measured by it. */
  listings = 0;

  /** @param maxFolders folders listed at most; past it the cache starts afresh (a bound on memory, not a policy). */
  constructor(private readonly maxFolders = 20_000) {}

  /** Starts a new pass: each folder's stat is compared again the next time it is asked about. */
  pass(): void {
    this.currentPass++;
  }

  /** Drops what is known of these paths' folders (and of the paths themselves when they are folders). */
  forget(paths: Iterable<string>): void {
    for (const p of paths) {
      const abs = path.resolve(p);
      this.folders.delete(abs);
      this.folders.delete(path.dirname(abs));
    }
  }

  clear(): void {
    this.folders.clear();
  }

  /** Whether a regular file exists at this absolute path (symbolic links followed), like `statSync(p).isFile()`. */
  readonly isFile = (absPath: string): boolean => {
    const dir = path.dirname(absPath);
    const name = absPath.slice(dir.length + (dir.endsWith(path.sep) ? 0 : 1));
    if (name === '' || name === '.' || name === '..') return statIsFile(absPath);
    const listing = this.listing(dir);
    const known = listing.files.get(name);
    if (known === 'link') {
      const target = statIsFile(absPath);
      listing.files.set(name, target);
      return target;
    }
    if (known !== undefined) return known;
    return EXACT_NAMES ? false : statIsFile(absPath);
  };

  private listing(dir: string): Listing {
    const cached = this.folders.get(dir);
    if (cached && cached.checkedIn === this.currentPass) return cached;
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      return this.remember(dir, { ...NONE, files: new Map(), checkedIn: this.currentPass });
    }
    if (!st.isDirectory()) return this.remember(dir, { ...NONE, files: new Map(), checkedIn: this.currentPass });
    if (cached && cached.mtimeMs === st.mtimeMs && cached.ctimeMs === st.ctimeMs && cached.ino === st.ino) {
      cached.checkedIn = this.currentPass;
      return cached;
    }
    const files = new Map<string, boolean | 'link'>();
    this.listings++;
    try {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        files.set(entry.name, entry.isFile() ? true : entry.isSymbolicLink() ? 'link' : false);
      }
    } catch {
      // unreadable: nothing is known to exist in it
    }
    return this.remember(dir, { files, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, checkedIn: this.currentPass });
  }

  private remember(dir: string, listing: Listing): Listing {
    if (this.folders.size >= this.maxFolders && !this.folders.has(dir)) this.folders.clear();
    this.folders.set(dir, listing);
    return listing;
  }
}

function statIsFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
