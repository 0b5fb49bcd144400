/**
 * Which files are indexed: include/exclude globs (picomatch, matched against the path relative to its root)
 * and what git ignores. Inside a git work tree, git itself says what it sees (`git ls-files --cached --others
 * --exclude-standard`): tracked files even when a .gitignore pattern matches them, untracked files that no
 * .gitignore (of the root, its folders or its parents up to the work tree), `.git/info/exclude` or
 * `core.excludesFile` ignores. Outside a work tree, or without git, the `.gitignore` files from the root down
 * (the `ignore` package, matched relative to the folder holding each .gitignore).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import ignore, { type Ignore } from 'ignore';

export type Matcher = (relativePath: string) => boolean;

/** A path matches when some glob matches and no `!glob` does (picomatch alone ORs a list, negations included). */
export function globMatcher(globs: string[]): Matcher {
  const positive = globs.filter((g) => !g.startsWith('!'));
  const negative = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  if (positive.length === 0) return () => false;
  const options = { dot: true, nocase: true };
  const included = picomatch(positive, options);
  if (negative.length === 0) return included;
  const excluded = picomatch(negative, options);
  return (p) => included(p) && !excluded(p);
}

export interface FileFilter {
  /** Whether a folder (relative to its root, `/` separators) is worth entering. */
  enterFolder(relativePath: string): boolean;
  /** Whether a file (relative to its root) is an image to index. */
  acceptFile(relativePath: string): boolean;
  /** Whether a file (relative to its root) is a source file to read references from. */
  acceptSource(relativePath: string): boolean;
}

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

/** `.gitignore` rules of one folder, checked against paths relative to that folder. */
interface GitignoreLayer {
  folder: string;
  rules: Ignore;
}

/**
 * What git ignores under one root, for paths that come one at a time (the daemon's file events): inside a
 * work tree, git's listing, taken again when a path it does not know changed after it was taken (one listing
 * answers a whole bulk checkout; a process per path would not); outside one, the `.gitignore` files from the
 * root down.
 */
export class GitignoreStack {
  private readonly layers = new Map<string, GitignoreLayer | null>();
  private view: GitTreeView | null | undefined;
  private listedAt = 0;

  constructor(private readonly root: string) {}

  private gitView(): GitTreeView | null {
    if (this.view === undefined) {
      this.listedAt = Date.now();
      this.view = gitTreeView(this.root) ?? null;
    }
    return this.view;
  }

  /** Reads `folder/.gitignore` once; a missing or unreadable one counts as empty. */
  private layer(folder: string): GitignoreLayer | null {
    let layer = this.layers.get(folder);
    if (layer !== undefined) return layer;
    layer = null;
    try {
      const text = fs.readFileSync(path.join(folder, '.gitignore'), 'utf8');
      layer = { folder, rules: ignore().add(text) };
    } catch {
      // No .gitignore here (the common case).
    }
    this.layers.set(folder, layer);
    return layer;
  }

  /** Whether git ignores the path (or, outside a work tree, any .gitignore from the root down to its folder). */
  ignores(absolutePath: string, isFolder: boolean): boolean {
    const relativeToRoot = path.relative(this.root, absolutePath);
    if (relativeToRoot === '' || relativeToRoot.startsWith('..')) return false;
    const view = this.gitView();
    if (view) {
      const relative = relativeToRoot.split(path.sep).join('/');
      if (!view.ignoresRelative(relative, isFolder)) return false;
      // Unknown to the listing: ignored, or created (or moved here) since the listing was taken.
      const changedAt = fs.statSync(absolutePath, { throwIfNoEntry: false })?.ctimeMs ?? 0;
      if (changedAt < this.listedAt - 1) return true;
      this.view = undefined;
      return this.gitView()?.ignoresRelative(relative, isFolder) ?? false;
    }
    const parts = relativeToRoot.split(path.sep);
    let folder = this.root;
    for (let i = 0; i < parts.length; i++) {
      const layer = this.layer(folder);
      if (layer) {
        const rel = parts.slice(i).join('/') + (isFolder ? '/' : '');
        if (layer.rules.ignores(rel)) return true;
      }
      folder = path.join(folder, parts[i]);
    }
    return false;
  }

  /** Forget a folder's rules (its .gitignore changed), and git's listing. */
  invalidate(folder: string): void {
    this.layers.delete(folder);
    this.view = undefined;
  }
}

export function makeFileFilter(include: string[], exclude: string[], sources: string[] = []): FileFilter {
  const included = globMatcher(include);
  const excluded = globMatcher(exclude);
  const source = globMatcher(sources);
  return {
    // A folder is skipped when the exclude globs match anything below it (`**/node_modules/**`).
    enterFolder: (rel) => !excluded(rel) && !excluded(rel + '/'),
    acceptFile: (rel) => included(rel) && !excluded(rel),
    acceptSource: (rel) => source(rel) && !included(rel) && !excluded(rel),
  };
}
