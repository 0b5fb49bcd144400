/**
 * Canonicals pinned by `doublon/setCanonical`: kept in the index's metadata (they survive restarts), one
 * per group, as paths relative to the config's base folder.
 */
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import type { DuplicateGroup } from '../groups/build';

const PINNED_META = 'pinned-canonicals';

export function pinnedCanonicals(store: IndexStore<Fingerprint>): Set<string> {
  return new Set(store.getMeta<string[]>(PINNED_META) ?? []);
}

/** Pins `relative` as the canonical of `group`, unpinning the group's other members. */
export function pinCanonical(store: IndexStore<Fingerprint>, group: DuplicateGroup, relative: string): void {
  const others = new Set(group.members.map((m) => m.image.relativePath));
  const pinned = [...pinnedCanonicals(store)].filter((x) => !others.has(x));
  pinned.push(relative);
  store.putMeta(PINNED_META, pinned);
}
