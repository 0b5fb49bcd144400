/** The reference store of a configuration, how references resolve there, and one-pass lookups over it. */
import * as fs from 'node:fs';
import type { ResolvedConfig } from '../config/load';
import type { Fingerprint } from '../hash';
import { openIndex } from '../index/open';
import type { IndexStore } from '../index/store';
import type { ResolveOptions } from '../refs';
import { ReferenceStore, type ImageReference } from './store';

export function resolveOptions(config: ResolvedConfig): ResolveOptions {
  return {
    roots: config.roots,
    webRoots: config.webRoots.filter((w) => fs.existsSync(w)),
    ...(config.libraries.length > 0 ? { libraries: config.libraries } : {}),
  };
}

export function openReferences(config: ResolvedConfig): ReferenceStore {
  return ReferenceStore.open(config.indexDir);
}

/** The image index and the reference store of a configuration; the index closed again if the references cannot open. */
export async function openStores(config: ResolvedConfig): Promise<{ store: IndexStore<Fingerprint>; references: ReferenceStore }> {
  const store = openIndex(config);
  try {
    return { store, references: openReferences(config) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * How many references each referenced image has (`ReferenceStore.referenceCount`), in one pass over the
 * sources rather than one index lookup per image (100 000 lookups of nothing on a site without sources).
 */
export function referenceCounts(references: ReferenceStore): Map<string, number> {
  const counts = new Map<string, number>();
  for (const source of references.allSources()) {
    for (const reference of source.references) counts.set(reference.target, (counts.get(reference.target) ?? 0) + 1);
  }
  return counts;
}

/** `ReferenceStore.referencesTo` of each of `targets` that has references, in one pass over the sources. */
export function referencesToAll(references: ReferenceStore, targets: ReadonlySet<string>): Map<string, ImageReference[]> {
  const found = new Map<string, ImageReference[]>();
  for (const source of references.allSources()) {
    for (const reference of source.references) {
      if (!targets.has(reference.target)) continue;
      const list = found.get(reference.target);
      const entry = { ...reference, source: source.path };
      if (list) list.push(entry);
      else found.set(reference.target, [entry]);
    }
  }
  return found;
}
