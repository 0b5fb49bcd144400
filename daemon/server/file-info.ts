/** `doublon/fileInfo`: what the index knows of one file (already resolved inside the roots). */
import * as path from 'node:path';
import type { FileInfo } from '../../protocol/methods';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { toPosix } from '../scan/relative';
import type { LiveIndex } from './live-index';
import type { GroupState } from './group-state';

export function describeFile(
  resolved: string,
  firstRoot: string,
  store: IndexStore<Fingerprint>,
  index: LiveIndex,
  groups: GroupState,
): FileInfo {
  const display = toPosix(path.relative(firstRoot, resolved));
  const record = store.getFile(resolved);
  if (!record) return { path: display, indexed: false };
  const content = record.sha256 ? store.getContent(record.sha256) : undefined;
  const entry = index.entries.get(resolved);
  const group = groups.groupOf(resolved);
  const member = group?.members.find((m) => m.image.path === resolved);
  return {
    path: display,
    indexed: true,
    bytes: record.size,
    sha256: record.sha256,
    format: content?.fingerprint?.format,
    width: entry?.width,
    height: entry?.height,
    error: record.error ?? content?.error,
    ...(group && member
      ? {
          group: group.id,
          class: member.class,
          similarity: member.similarity,
          canonical: toPosix(path.relative(firstRoot, group.canonical.path)),
        }
      : {}),
  };
}
