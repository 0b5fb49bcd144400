/**
 * A generator's configuration decides where its templates' paths resolve: Jekyll's `_config.yml` (baseurl,
 * source), Hugo's `hugo.toml` / `config.toml` (theme, staticDir) and its `themes/` folder, Eleventy's
 * `.eleventy.js` / `eleventy.config.*` (input folder, passthrough copies), a Drupal theme's `*.info.yml`, a
 * WordPress theme's `style.css` header (Theme Name, parent Template), a Rails `config/application.rb`
 * (daemon/refs/sites.ts). When the watcher sees one change, the sites are detected again and every
 * indexed source whose site rules changed is read again, so its references point where the site now
 * serves them, without a restart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forgetSites, isSiteConfigName, siteOf, type Site } from '../refs';
import type { ReferenceStore } from './store';
import { indexSource, sourceFolders, type ReferenceUpdateOptions } from './update';

/** Whether a changed path may change a site's rules: a configuration file, or a folder appearing in or leaving Hugo's `themes/`. */
export function isSiteConfig(p: string): boolean {
  const name = path.basename(p);
  if (isSiteConfigName(name)) return true;
  return path.basename(path.dirname(p)) === 'themes';
}

/** A site's rules as a comparable string (undefined: no site). */
const rulesOf = (site: Site | undefined): string => (site ? JSON.stringify(site) : '');

/**
 * Takes one watcher batch before its files are applied: forgets the folder listings of the changed paths
 * and, when a site configuration is among them, re-reads the indexed sources whose site rules changed.
 * Returns the images whose references changed (to regroup), empty when nothing did.
 */
export async function applySiteChanges(store: ReferenceStore, paths: string[], options: ReferenceUpdateOptions): Promise<string[]> {
  sourceFolders.forget(paths);
  const configs = paths.filter(isSiteConfig);
  if (configs.length === 0) return [];
  // The folders whose sources may see other rules: where each configuration sits (a site's root), and the
  // root of the site detected there before (a config removed or renamed: the sources fall to an outer site).
  const folders = new Set<string>();
  for (const config of configs) {
    const parent = path.dirname(config);
    // themes/<name> and config/application.rb configure the folder above theirs
    folders.add(path.basename(parent) === 'themes' || path.basename(config) === 'application.rb' ? path.dirname(parent) : parent);
  }
  const under = (file: string) => [...folders].some((dir) => file.startsWith(dir + path.sep));
  const candidates = [...store.allSources()].filter((record) => under(record.path)).map((record) => record.path);
  const before = new Map(candidates.map((file) => [file, rulesOf(siteOf(file))]));
  forgetSites();
  const touched = new Set<string>();
  for (const file of candidates) {
    if (rulesOf(siteOf(file)) === before.get(file)) continue;
    const record = store.getSource(file);
    for (const reference of record?.references ?? []) touched.add(reference.target);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      continue; // gone: the batch itself drops it
    }
    if (!stat.isFile()) continue;
    const after = await indexSource(store, { path: file, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino }, options);
    for (const reference of after.references) touched.add(reference.target);
  }
  return [...touched];
}
