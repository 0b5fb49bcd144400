/**
 * Which files are indexed: include/exclude globs (picomatch, matched against the path relative to its root)
 * and `.gitignore` files (the `ignore` package, matched relative to the folder holding each .gitignore).
 */
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

/** `.gitignore` rules of one folder, checked against paths relative to that folder. */
interface GitignoreLayer {
  folder: string;
  rules: Ignore;
}

export class GitignoreStack {
  private readonly layers = new Map<string, GitignoreLayer | null>();

  constructor(private readonly root: string) {}

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

  /** Whether any .gitignore from the root down to the path's folder ignores it. */
  ignores(absolutePath: string, isFolder: boolean): boolean {
    const relativeToRoot = path.relative(this.root, absolutePath);
    if (relativeToRoot === '' || relativeToRoot.startsWith('..')) return false;
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

  /** Forget a folder's rules (its .gitignore changed). */
  invalidate(folder: string): void {
    this.layers.delete(folder);
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
