/** Finding and reading `doublon.config.json`; the result carries absolute paths so nothing downstream guesses. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type DoublonConfig } from '../../protocol/settings';
import { ConfigError, validateConfig } from './validate';
import { quotePath } from '../report/printable';
import { findConfigFile } from '../../protocol/discovery';
import { resolveLibraries, type ResolvedLibrary } from './libraries';

export interface ResolvedConfig {
  /** The config file, or undefined when defaults are used. */
  file: string | undefined;
  /** The folder relative paths in the config are resolved from. */
  baseDir: string;
  settings: DoublonConfig;
  /** Absolute, normalised roots (no duplicates, none inside another). */
  roots: string[];
  /** Absolute web roots (may not exist). */
  webRoots: string[];
  indexDir: string;
  /** Shared libraries (folders of canonical assets and their URLs), real paths; scanned, never written. */
  libraries: ResolvedLibrary[];
}

// Looks for the config in a folder and its parents: shared with the editor extension, which imports protocol/ only.
export { findConfigFile };

export function readConfigFile(file: string): DoublonConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  return validateConfig(raw, file);
}

/** Drops roots that sit inside another root, so no file is indexed twice. */
function outermost(roots: string[]): string[] {
  const sorted = [...new Set(roots)].sort((a, b) => a.length - b.length);
  return sorted.filter(
    (root, i) => !sorted.slice(0, i).some((outer) => root.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep)),
  );
}

export interface LoadOptions {
  /** Explicit config file (`--config`); otherwise searched from `cwd`. */
  configFile?: string;
  cwd: string;
  /** Roots given on the command line, relative to `cwd`: they replace the config's roots. */
  roots?: string[];
  /** `--index DIR`, relative to `cwd`. */
  indexDir?: string;
}

export function loadConfig(options: LoadOptions): ResolvedConfig {
  const file = options.configFile
    ? path.resolve(options.cwd, options.configFile)
    : findConfigFile(options.roots?.[0] ? path.resolve(options.cwd, options.roots[0]) : options.cwd);
  if (options.configFile && !fs.existsSync(file!)) throw new ConfigError(file!, ['the file does not exist']);
  const settings = file ? readConfigFile(file) : structuredClone(DEFAULT_CONFIG);
  const roots =
    options.roots && options.roots.length > 0
      ? options.roots.map((r) => path.resolve(options.cwd, r))
      : settings.roots.map((r) => path.resolve(file ? path.dirname(file) : options.cwd, r));
  for (const root of roots) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(root);
    } catch {
      throw new ConfigError(file ?? '(command line)', [`roots: ${quotePath(root)} does not exist`]);
    }
    if (!stat.isDirectory()) throw new ConfigError(file ?? '(command line)', [`roots: ${quotePath(root)} is not a folder`]);
  }
  // Without a config file, the first root is where one would be created (`doublon/ignore` writes it
  // there), and the index sits in it, so that `doublon scan site/` twice reuses it.
  const baseDir = fs.realpathSync(file ? path.dirname(file) : roots[0]);
  const indexBase = baseDir;
  const realRoots = outermost(roots.map((r) => fs.realpathSync(r)));
  const { libraries, problems } = resolveLibraries(settings.libraries, baseDir, realRoots);
  if (problems.length > 0) throw new ConfigError(file ?? '(command line)', problems);
  return {
    file,
    baseDir,
    settings,
    roots: realRoots,
    libraries,
    webRoots: file
      ? settings.webRoots.map((w) => path.resolve(baseDir, w))
      : settings.webRoots.flatMap((w) => roots.map((r) => path.resolve(r, w))),
    indexDir: options.indexDir ? path.resolve(options.cwd, options.indexDir) : path.resolve(indexBase, settings.indexDir),
  };
}
