/**
 * The canonical chooser of a configuration. A file of its own at the top of daemon/, not in groups/ next to
 * the chooser: it reads the shared libraries (config/libraries.ts libraryOf), and groups/ cannot import
 * config/ (config/ imports report/'s printing helpers, report/ imports groups/: a cycle between folders).
 */
import * as path from 'node:path';
import type { ResolvedConfig } from './config/load';
import { libraryOf } from './config/libraries';
import { CanonicalChooser } from './groups/canonical';
import { globMatcher } from './scan/filter';

/** The canonical chooser of a config; `pinned` paths (relative to the config folder) outrank the preferred globs. */
export function makeChooser(config: ResolvedConfig, pinned: ReadonlySet<string> = new Set()): CanonicalChooser {
  const preferred = globMatcher(config.settings.canonical.preferred);
  // A shared library's copy is the canonical whatever the rules and pins say (config/libraries.ts).
  const inLibrary = (p: string): boolean =>
    config.libraries.length > 0 && libraryOf(path.resolve(config.baseDir, p), config.libraries) !== undefined;
  return new CanonicalChooser(config.settings.canonical.rules, (p) => (inLibrary(p) ? 3 : pinned.has(p) ? 2 : preferred(p) ? 1 : 0));
}
