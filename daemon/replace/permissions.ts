/**
 * Who may Doublon rewrite or move: a file the user marked read-only, or one that belongs to someone else,
 * is refused in the plan with a reason instead of being replaced (a rename would give it our owner and mode).
 */
import type { Stats } from 'node:fs';

/** The effective user and groups of this process (undefined members on Windows: no owner rules there). */
interface Identity {
  uid?: number;
  gids: number[];
}

function identity(): Identity {
  if (typeof process.geteuid !== 'function') return { gids: [] };
  const gids = new Set<number>(typeof process.getgroups === 'function' ? process.getgroups() : []);
  if (typeof process.getegid === 'function') gids.add(process.getegid());
  return { uid: process.geteuid(), gids: [...gids] };
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Why this file must not be rewritten or moved by the current user, or undefined when it may.
 * - No write bit for its owner: the user made it read-only on purpose (refused even as root).
 * - Not root, and not its owner: the rename would make it ours; not root and its group is not one of ours:
 *   the group could not be given back.
 */
export function permissionProblem(st: Pick<Stats, 'mode' | 'uid' | 'gid'>, who: Identity = identity()): string | undefined {
  if ((st.mode & 0o200) === 0) return `it is read-only (mode ${octal(st.mode)}); make it writable to let Doublon change it`;
  if (who.uid === undefined || who.uid === 0) return undefined;
  if (st.uid !== who.uid) return `it belongs to another user (uid ${st.uid}, you are ${who.uid}); Doublon would change its owner`;
  if (!who.gids.includes(st.gid)) return `its group (gid ${st.gid}) is not one of yours; Doublon could not keep it`;
  return undefined;
}
