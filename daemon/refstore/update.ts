/**
 * Keeps the reference index in line with the source files: a source whose size, mtime or inode changed is
 * read and parsed again (daemon/refs), each reference resolved to a file; vanished sources are dropped.
 */
import { isSameVersion } from '../fs/file-version';
import { extractFile, resolveReference, type ResolveOptions } from '../refs';
import { ExistenceCache } from '../refs/exists';
import type { FileStat } from '../scan/crawl';
import { forEachLimited } from '../scan/scanner';
import type { ReferenceStore, SourceRecord, StoredReference } from './store';
import type { DeclaredVariants } from '../groups/variants';

export interface ReferenceUpdateOptions {
  resolve: ResolveOptions;
  /** Whether an absolute path is an indexed image (decides bare string literals). */
  isImage: (absolutePath: string) => boolean;
}

export interface ReferenceUpdateStats {
  sources: number;
  parsed: number;
  removed: number;
  references: number;
}

/**
 * Folder listings shared by every re-index in this process: resolution asks "does this file exist?" for
 * several candidate paths per reference, and a listing answers them all (daemon/refs/exists.ts). The
 * daemon's watcher drops the folders it saw change (forgetChangedPaths in ./sites.ts).
 */
export const sourceFolders = new ExistenceCache();

/** Reads one source file and records its references; returns the record. */
export async function indexSource(store: ReferenceStore, stat: FileStat, options: ReferenceUpdateOptions): Promise<SourceRecord> {
  const result = await extractFile(stat.path, { isImage: options.isImage, resolve: options.resolve });
  sourceFolders.pass();
  const resolve: ResolveOptions = { ...options.resolve, exists: options.resolve.exists ?? sourceFolders.isFile };
  // The same path is often written many times in one file (a logo, a sprite): resolved once per kind.
  const resolved = new Map<string, string | undefined>();
  const references: StoredReference[] = [];
  for (const raw of result.references) {
    const key = raw.kind + '\0' + raw.value;
    let target = resolved.get(key);
    if (target === undefined && !resolved.has(key)) {
      resolve.kind = raw.kind;
      target = resolveReference(stat.path, raw.value, resolve);
      resolved.set(key, target);
    }
    if (!target) continue; // external, a package, or outside the roots
    // The extraction result is this function's own: the reference gets its target in place (a copy per reference showed in profiles).
    const stored: StoredReference = Object.assign(raw, { target });
    references.push(stored);
  }
  const record: SourceRecord = {
    path: stat.path,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    ino: stat.ino,
    references,
    ...(result.errors.length > 0 ? { errors: result.errors } : {}),
    ...(result.mentions.length > 0 ? { mentions: result.mentions } : {}),
  };
  store.putSource(record);
  return record;
}

export async function updateReferences(
  store: ReferenceStore,
  sources: FileStat[],
  options: ReferenceUpdateOptions,
): Promise<ReferenceUpdateStats> {
  const stats: ReferenceUpdateStats = { sources: sources.length, parsed: 0, removed: 0, references: 0 };
  const changed = sources.filter((stat) => !isSameVersion(store.getSource(stat.path), stat));
  await forEachLimited(changed, 8, async (stat) => {
    await indexSource(store, stat, options);
    stats.parsed++;
  });
  const present = new Set(sources.map((s) => s.path));
  for (const record of [...store.allSources()]) {
    if (!present.has(record.path)) {
      store.removeSource(record.path);
      stats.removed++;
    } else stats.references += record.references.length;
  }
  return stats;
}

const VARIANT_REASON: Partial<Record<string, string>> = {
  'image-set': 'image-set()',
  manifest: 'web-manifest icons',
  href: 'the icon links of a page',
  'css-url': 'a rule and its resolution media query',
};

/**
 * Images referenced together on purpose (one srcset or <picture>, one image-set(), the icon links of a
 * page, a manifest's icons, a rule under a resolution media query): absolute image paths, and why.
 */
export function variantSets(store: ReferenceStore): DeclaredVariants[] {
  const sets: DeclaredVariants[] = [];
  for (const record of store.allSources()) {
    const byGroup = new Map<number, { paths: Set<string>; kinds: Set<string> }>();
    for (const reference of record.references) {
      if (reference.variantGroup === undefined) continue;
      let set = byGroup.get(reference.variantGroup);
      if (!set) byGroup.set(reference.variantGroup, (set = { paths: new Set(), kinds: new Set() }));
      set.paths.add(reference.target);
      set.kinds.add(reference.kind);
    }
    for (const { paths, kinds } of byGroup.values()) {
      if (paths.size < 2) continue;
      const reason = kinds.size === 1 ? VARIANT_REASON[[...kinds][0]] : undefined;
      sets.push({ paths: [...paths], reason: reason ?? 'srcset or <picture>' });
    }
  }
  return sets;
}
