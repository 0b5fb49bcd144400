/**
 * What git ignores under one root — the one implementation, for the crawl (paths relative to the root, as it
 * descends) and the daemon (absolute paths, one file event at a time).
 *
 * Inside a git work tree, git itself says what it sees (`git ls-files --cached --others --exclude-standard`):
 * tracked files even when a .gitignore pattern matches them, untracked files that no .gitignore (of the root,
 * its folders or its parents up to the work tree), `.git/info/exclude` or `core.excludesFile` ignores.
 * Outside a work tree, or without git, the `.gitignore` files from the root down (the `ignore` package, each
 * matched against the path relative to the folder holding it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** What git sees under one root, listed once: relative paths (`/` separators) answered from memory. */
export interface GitTreeView {
  /** Whether git ignores a path relative to the root (a folder is ignored when git sees nothing in it). */
  ignoresRelative(relative: string, isFolder: boolean): boolean;
}

/** Large repositories list megabytes of names. */
const LS_FILES_MAX_BUFFER = 1 << 30;

function git(root: string, args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync('git', args, { cwd: root, maxBuffer: LS_FILES_MAX_BUFFER, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
}

/**
 * The view of git when `root` is inside a work tree, else undefined (no git, not a repository, a repository
 * git refuses to read). Entries git lists as folders (a nested repository, a submodule) are seen whole.
 */
export function gitTreeView(root: string): GitTreeView | undefined {
  const inside = git(root, ['rev-parse', '--is-inside-work-tree']);
  if (inside.error || inside.status !== 0 || String(inside.stdout).trim() !== 'true') return undefined;
  const listed = git(root, ['ls-files', '--cached', '--others', '--exclude-standard', '-z']);
  if (listed.error || listed.status !== 0) return undefined;
  const files = new Set<string>();
  const folders = new Set<string>();
  for (const entry of String(listed.stdout).split('\0')) {
    if (entry === '') continue;
    const name = entry.endsWith('/') ? entry.slice(0, -1) : entry;
    files.add(name);
    for (let slash = name.lastIndexOf('/'); slash > 0; slash = name.lastIndexOf('/', slash - 1)) {
      const folder = name.slice(0, slash);
      if (folders.has(folder)) break;
      folders.add(folder);
    }
  }
  /** Inside a listed entry that is a folder (a submodule, a nested repository)? */
  const insideListed = (relative: string): boolean => {
    for (let slash = relative.indexOf('/'); slash > 0; slash = relative.indexOf('/', slash + 1)) {
      if (files.has(relative.slice(0, slash))) return true;
    }
    return false;
  };
  return {
    ignoresRelative: (relative, isFolder) => !(files.has(relative) || (isFolder && folders.has(relative)) || insideListed(relative)),
  };
}

/** The rules of one `.gitignore`, matched against paths relative to the folder holding it. */
interface GitignoreLayer {
  /** That folder relative to the root, with a trailing `/` (empty at the root). */
  prefix: string;
  rules: Ignore;
}

export interface GitignoreOptions {
  /**
   * Inside a work tree, take git's listing again when a path it does not know changed after it was taken
   * (the daemon: one listing answers a whole bulk checkout; a process per path would not). Default true;
   * false for a one-shot crawl, which takes one listing and keeps it.
   */
  relist?: boolean;
}

/** What git ignores under one root (see the file's header); `.gitignore` files and git's listing read once. */
export class GitignoreStack {
  /** Per folder (relative to the root): the layers that apply in it, its ancestors' and its own. */
  private readonly layers = new Map<string, readonly GitignoreLayer[]>();
  /** Folders known to hold no `.gitignore` (the crawl saw their entries): no read attempted. */
  private readonly without = new Set<string>();
  private view: GitTreeView | null | undefined;
  private listedAt = 0;
  private readonly relist: boolean;

  constructor(
    private readonly root: string,
    options: GitignoreOptions = {},
  ) {
    this.relist = options.relist ?? true;
  }

  private gitView(): GitTreeView | null {
    if (this.view === undefined) {
      this.listedAt = Date.now();
      this.view = gitTreeView(this.root) ?? null;
    }
    return this.view;
  }

  /**
   * Tells what a folder holds, as a walk saw it: when it has no `.gitignore` file, none is read there (a
   * failed read per folder is measurable on large trees).
   */
  sawFolder(relativeFolder: string, hasGitignore: boolean): void {
    if (!hasGitignore) this.without.add(relativeFolder);
  }

  /** Whether git ignores the path (or, outside a work tree, any .gitignore from the root down to its folder). */
  ignores(absolutePath: string, isFolder: boolean): boolean {
    const relativeToRoot = path.relative(this.root, absolutePath);
    if (relativeToRoot === '' || relativeToRoot.startsWith('..')) return false;
    return this.ignoresRelative(relativeToRoot.split(path.sep).join('/'), isFolder);
  }

  /** The same for a path relative to the root, `/` separators (not empty). */
  ignoresRelative(relative: string, isFolder: boolean): boolean {
    const view = this.gitView();
    if (view) {
      if (!view.ignoresRelative(relative, isFolder)) return false;
      if (!this.relist) return true;
      // Unknown to the listing: ignored, or created (or moved here) since the listing was taken.
      const changedAt = fs.statSync(path.join(this.root, relative), { throwIfNoEntry: false })?.ctimeMs ?? 0;
      if (changedAt < this.listedAt - 1) return true;
      this.view = undefined;
      return this.gitView()?.ignoresRelative(relative, isFolder) ?? false;
    }
    const slash = relative.lastIndexOf('/');
    const layers = this.layersOf(slash < 0 ? '' : relative.slice(0, slash));
    const suffix = isFolder ? '/' : '';
    return layers.some((layer) => layer.rules.ignores(relative.slice(layer.prefix.length) + suffix));
  }

  /** Forget what was read (a .gitignore changed): every folder's rules, and git's listing. */
  invalidate(): void {
    this.layers.clear();
    this.without.clear();
    this.view = undefined;
  }

  private layersOf(folder: string): readonly GitignoreLayer[] {
    let layers = this.layers.get(folder);
    if (layers) return layers;
    const slash = folder.lastIndexOf('/');
    const inherited = folder === '' ? [] : this.layersOf(slash < 0 ? '' : folder.slice(0, slash));
    const own = this.without.has(folder) ? undefined : readLayer(this.root, folder);
    layers = own ? [...inherited, own] : inherited;
    this.layers.set(folder, layers);
    return layers;
  }
}

/** `folder/.gitignore` (folder relative to the root); a missing or unreadable one counts as absent. */
function readLayer(root: string, folder: string): GitignoreLayer | undefined {
  try {
    const text = fs.readFileSync(path.join(root, folder, '.gitignore'), 'utf8');
    return { prefix: folder === '' ? '' : `${folder}/`, rules: ignore().add(text) };
  } catch {
    return undefined; // no .gitignore here (the common case)
  }
}
