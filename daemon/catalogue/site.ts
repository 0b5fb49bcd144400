/**
 * A site as the catalogue sees it: the images of its local index (brought up to date by a scan first), each
 * with its path relative to the site's folder and, when the site says where it is served, its public URL.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import type { Fingerprint } from '../hash';
import { analyse } from '../analysis';
import { collectEntries } from '../groups/entries';
import { openIndex } from '../index/open';
import { relativePosix } from '../scan/relative';
import { isSiteFile } from '../config/libraries';

export interface SiteImage {
  /** Absolute path on this machine. */
  file: string;
  /** Relative to the site's folder (the config's folder), `/` separators: what the catalogue stores. */
  path: string;
  sha256: string;
  width: number;
  height: number;
  bytes: number;
  /** Where browsers load it from, when the site has a public URL. */
  url?: string;
}

export interface Site {
  images: SiteImage[];
  /** Unreadable files, as the scan reported them. */
  errors: Array<{ path: string; message: string }>;
  /** A content's fingerprint from the local index (read on demand: only new contents need one). */
  fingerprintOf: (sha256: string) => Fingerprint | undefined;
  close(): Promise<void>;
}

/** `base` joined with the image's path below the web root that serves it (the longest that holds it), else below the site's folder. */
export function publicUrl(base: string, file: string, config: ResolvedConfig): string {
  const webRoot =
    config.webRoots.filter((w) => file.startsWith(w.endsWith(path.sep) ? w : w + path.sep)).sort((a, b) => b.length - a.length)[0] ??
    config.baseDir;
  const below = relativePosix(webRoot, file).split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${below}`;
}

/** Scans the site (incrementally: the index is reused), then opens its index for reading. */
export async function openSite(config: ResolvedConfig, options: { publicUrl?: string; scan?: boolean } = {}): Promise<Site> {
  const errors: Site['errors'] = [];
  if (options.scan !== false) {
    const analysis = await analyse(config);
    errors.push(...analysis.errors);
  }
  const store = openIndex(config);
  const { entries } = collectEntries(store, config, () => 0);
  // The libraries outside the roots are in the index (scanned to be recognised) but are not the site's images.
  const images = entries
    .filter((entry) => isSiteFile(entry.path, config.libraries))
    .map((entry): SiteImage => ({
      file: entry.path,
      path: relativePosix(config.baseDir, entry.path),
      sha256: entry.sha256,
      width: entry.width,
      height: entry.height,
      bytes: entry.bytes,
      url: options.publicUrl ? publicUrl(options.publicUrl, entry.path, config) : undefined,
    }));
  return {
    images,
    errors,
    fingerprintOf: (sha) => store.getContent(sha)?.fingerprint,
    close: () => store.close(),
  };
}

/** A git command's trimmed output in `cwd`, or undefined (not a repository, no git, no such ref). */
export function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The site's name in the catalogue: `--repository`, else its git remote's last path segment, else its folder's name. */
export function repositoryName(config: ResolvedConfig, given: string | undefined): string {
  if (given) return given;
  const remote = git(config.baseDir, ['remote', 'get-url', 'origin']);
  const fromRemote = remote
    ?.replace(/\.git$/, '')
    .split(/[/:]/)
    .filter(Boolean)
    .pop();
  return fromRemote ?? path.basename(config.baseDir);
}
