/** From the engine's groups and the reference index to the replacement engine's input. */
import type { DuplicateGroup } from '../groups/build';
import type { ImageReference as StoredImageReference } from '../references/store';
import type { ImageReference, ReplaceGroup } from './types';

export function toReplaceGroup(group: DuplicateGroup): ReplaceGroup {
  return {
    id: group.id,
    class: group.class,
    canonical: group.canonical.path,
    members: group.members.map((m) => ({ path: m.image.path, class: m.class, sha256: m.image.sha256, bytes: m.image.bytes })),
  };
}

export function toReplaceReference(r: StoredImageReference): ImageReference {
  return {
    source: r.source,
    target: r.target,
    text: r.text,
    value: r.value,
    start: r.start,
    end: r.end,
    range: { start: { line: r.line, character: r.character }, end: { line: r.endLine, character: r.endCharacter } },
    kind: r.kind,
    ...(r.variantGroup !== undefined ? { variantGroup: r.variantGroup } : {}),
  };
}
