/** From the engine's groups to the replacement engine's input. */
import type { DuplicateGroup } from '../groups/build';
import type { ReplaceGroup } from './types';

export function toReplaceGroup(group: DuplicateGroup): ReplaceGroup {
  return {
    id: group.id,
    class: group.class,
    canonical: group.canonical.path,
    members: group.members.map((m) => ({
      path: m.image.path,
      class: m.class,
      sha256: m.image.sha256,
      bytes: m.image.bytes,
      width: m.image.width,
      height: m.image.height,
      ...(m.variant ? { variant: m.variant } : {}),
    })),
  };
}
