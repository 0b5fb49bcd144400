/**
 * Which files are indexed: include/exclude globs (picomatch, matched against the path relative to its root).
 * What git ignores is daemon/scan/gitignore.ts.
 */
import picomatch from 'picomatch';

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
