/**
 * What lies inside the daemon's roots and what the index holds of it: the root of a path, the file filter
 * (include/exclude globs, source extensions) and the `.gitignore` rules per root, each rebuilt only when the
 * settings change (config edits replace the settings object). Shared by the watcher's folder pruning and
 * the batches it reports.
 */
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import { scannedRoots } from '../config/libraries';
import { makeFileFilter } from '../scan/filter';
import { GitignoreStack } from '../scan/gitignore';
import { filesBelow } from '../scan/crawl';
import { toPosix } from '../scan/relative';

export type FileKind = 'image' | 'source';

export class RootScope {
  private gitignores = new Map<string, GitignoreStack>();
  private filter: ReturnType<typeof makeFileFilter> | undefined;
  private filterFor: object | undefined;

  constructor(private readonly config: () => ResolvedConfig) {}

  /** The root (a site root, or a shared library's folder, read only) a path lies in. */
  rootOf(p: string): string | undefined {
    return scannedRoots(this.config()).find((root) => p === root || p.startsWith(root + path.sep));
  }

  /** `.gitignore` files changed: their rules are read again when next needed. */
  forgetGitignores(): void {
    this.gitignores.clear();
  }

  private gitignoreOf(root: string): GitignoreStack {
    let stack = this.gitignores.get(root);
    if (!stack) this.gitignores.set(root, (stack = new GitignoreStack(root)));
    return stack;
  }

  private fileFilter(): ReturnType<typeof makeFileFilter> {
    // Rebuilt only when the settings object changes (config edits replace it).
    const settings = this.config().settings;
    if (this.filterFor !== settings) {
      this.filter = makeFileFilter(settings.include, settings.exclude, settings.sources);
      this.filterFor = settings;
    }
    return this.filter!;
  }

  /** For the watcher: folders the exclude globs prune, and the index folder, are not watched. */
  ignoredByWatcher(p: string): boolean {
    const { indexDir } = this.config();
    if (p === indexDir || p.startsWith(indexDir + path.sep)) return true;
    const root = this.rootOf(p);
    if (!root || p === root) return false;
    // Folders are pruned by the exclude globs; files are filtered when their batch is applied.
    return !this.fileFilter().enterFolder(toPosix(path.relative(root, p)));
  }

  /** What the index holds of a file: an image, a source file whose references it reads, or nothing. */
  kindOf(p: string): FileKind | undefined {
    const config = this.config();
    const root = this.rootOf(p);
    if (!root || p.startsWith(config.indexDir + path.sep)) return undefined;
    const rel = toPosix(path.relative(root, p));
    const kind = this.fileFilter().acceptFile(rel) ? 'image' : this.fileFilter().acceptSource(rel) ? 'source' : undefined;
    if (!kind || (config.settings.gitignore && this.gitignoreOf(root).ignores(p, false))) return undefined;
    return kind;
  }

  /** Files below a folder, pruned like the crawl (exclude globs, .gitignore, the index), links not followed. */
  filesUnder(folder: string): string[] {
    const config = this.config();
    const root = this.rootOf(folder);
    if (!root) return [];
    return filesBelow(folder, root, {
      filter: this.fileFilter(),
      gitignore: config.settings.gitignore ? this.gitignoreOf(root) : undefined,
      skipFolders: new Set([config.indexDir]),
    });
  }
}
