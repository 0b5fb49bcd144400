/**
 * Applying one batch of watcher events to the stores: images re-hashed when their size, mtime or inode
 * changed, source files re-read for their references, vanished files and folders dropped, a folder that
 * appeared walked (the watcher, polling especially, may report only some of its files). Returns what the
 * in-memory view must re-read; the service regroups. A changed `.gitignore` asks for a full rescan instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import type { ReferenceStore } from '../refstore/store';
import { indexSource, type updateReferences } from '../refstore/update';
import { applySiteChanges } from '../refstore/site-config';
import { isSameVersion } from '../fs/file-version';
import { indexFile } from '../scan/scanner';
import type { RootScope } from './root-scope';

export type BatchOutcome =
  /** Ignore rules changed: what is indexed may change anywhere below; a full rescan is the honest answer. */
  | { rescan: true }
  /** Images whose file or references changed (absolute paths); `sourcesChanged` when any source file did. */
  | { rescan: false; touched: Set<string>; sourcesChanged: boolean };

export interface BatchContext {
  store: IndexStore<Fingerprint>;
  refs: ReferenceStore;
  scope: RootScope;
  config: () => ResolvedConfig;
  referenceOptions: () => Parameters<typeof updateReferences>[2];
}

export async function applyBatch(paths: string[], context: BatchContext): Promise<BatchOutcome> {
  const { store, refs, scope } = context;
  if (paths.some((p) => path.basename(p) === '.gitignore')) {
    scope.forgetGitignores();
    return { rescan: true };
  }
  const touched = new Set<string>();
  // A generator's configuration changed (baseurl, theme, input dir…): its sources' references resolve anew.
  const siteTargets = await applySiteChanges(refs, paths, context.referenceOptions());
  let sourcesChanged = siteTargets.length > 0;
  for (const target of siteTargets) touched.add(target);
  const applySource = async (p: string, stat: fs.Stats | undefined): Promise<void> => {
    const targets = await reindexSource(p, stat, context);
    if (targets === undefined) return;
    sourcesChanged = true;
    for (const target of targets) touched.add(target);
  };
  const queue = [...new Set(paths)];
  const queued = new Set(queue);
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i];
    let stat: fs.Stats | undefined;
    try {
      stat = await fs.promises.lstat(p);
    } catch {
      stat = undefined;
    }
    if (!stat || stat.isDirectory()) {
      // Gone (a file or a whole folder), or a folder: drop what the index holds there that is gone.
      // (A folder that appears is reported by chokidar file by file.)
      const held = [...(store.getFile(p) ? [store.getFile(p)!] : []), ...store.files(p)];
      for (const record of held) {
        if (!stat || !fs.existsSync(record.path)) {
          store.removeFile(record.path);
          touched.add(record.path);
        }
      }
      const sources = [...refs.allSources()].filter((r) => r.path === p || r.path.startsWith(p + path.sep));
      for (const source of sources) {
        if (!stat || !fs.existsSync(source.path)) await applySource(source.path, undefined);
      }
      // A folder that appeared (moved in, checked out): its files are queued too, so none is lost if the
      // watcher (polling especially) reports only some of them. Those it does report are stat-checked once.
      if (stat) {
        for (const file of scope.filesUnder(p)) {
          if (!queued.has(file)) {
            queued.add(file);
            queue.push(file);
          }
        }
      }
      continue;
    }
    if (!stat.isFile()) continue;
    const kind = scope.kindOf(p);
    if (kind === 'source') {
      await applySource(p, stat);
      continue;
    }
    if (kind !== 'image') continue;
    const record = store.getFile(p);
    if (isSameVersion(record, stat)) continue;
    const settings = context.config().settings;
    await indexFile(
      store,
      { path: p, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino },
      { maxPixels: settings.maxPixels, maxSvgBytes: settings.maxSvgBytes },
    );
    touched.add(p);
  }
  return { rescan: false, touched, sourcesChanged };
}

/**
 * Re-reads a changed source file (or drops a vanished one); returns the images whose references changed,
 * or undefined when the source is unchanged (or was never held).
 */
async function reindexSource(p: string, stat: fs.Stats | undefined, context: BatchContext): Promise<string[] | undefined> {
  const { refs } = context;
  const before = refs.getSource(p);
  const targets = new Set(before?.references.map((r) => r.target) ?? []);
  if (!stat) {
    if (!before) return undefined;
    refs.removeSource(p);
  } else {
    if (isSameVersion(before, stat)) return undefined;
    const after = await indexSource(refs, { path: p, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino }, context.referenceOptions());
    for (const r of after.references) targets.add(r.target);
  }
  return [...targets];
}
