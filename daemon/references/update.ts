/**
 * Keeps the reference index in line with the source files: a source whose size, mtime or inode changed is
 * read and parsed again (daemon/refs), each reference resolved to a file; vanished sources are dropped.
 */
import { extractFile, resolveReference, type ResolveOptions } from '../refs';
import type { FileStat } from '../scan/crawl';
import { forEachLimited } from '../scan/scanner';
import type { ReferenceStore, SourceRecord, StoredReference } from './store';

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

/** Reads one source file and records its references; returns the record. */
export async function indexSource(store: ReferenceStore, stat: FileStat, options: ReferenceUpdateOptions): Promise<SourceRecord> {
  const result = await extractFile(stat.path, { isImage: options.isImage, resolve: options.resolve });
  const references: StoredReference[] = [];
  for (const raw of result.references) {
    const target = resolveReference(stat.path, raw.value, { ...options.resolve, kind: raw.kind });
    if (!target) continue; // external, a package, or outside the roots
    references.push({ ...raw, target });
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

export async function updateReferences(store: ReferenceStore, sources: FileStat[], options: ReferenceUpdateOptions): Promise<ReferenceUpdateStats> {
  const stats: ReferenceUpdateStats = { sources: sources.length, parsed: 0, removed: 0, references: 0 };
  const changed = sources.filter((stat) => {
    const record = store.getSource(stat.path);
    return !record || record.size !== stat.size || record.mtimeMs !== stat.mtimeMs || record.ino !== stat.ino;
  });
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

/** Images referenced together on purpose (one srcset, one <picture>): sets of absolute image paths. */
export function variantSets(store: ReferenceStore): string[][] {
  const sets: string[][] = [];
  for (const record of store.allSources()) {
    const byGroup = new Map<number, Set<string>>();
    for (const reference of record.references) {
      if (reference.variantGroup === undefined) continue;
      let set = byGroup.get(reference.variantGroup);
      if (!set) byGroup.set(reference.variantGroup, (set = new Set()));
      set.add(reference.target);
    }
    for (const set of byGroup.values()) if (set.size > 1) sets.push([...set]);
  }
  return sets;
}
