/**
 * Damage met while an open index is read or written: a page that the check at open (integrity.ts: the
 * structure, then a read and rewrite of every record in a child) did not reach, or a file changed under the
 * open environment. One classification for the CLI's pass (analysis.ts) and the daemon (server/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { moveAside, type IndexRecovery } from './integrity';

/**
 * The store an LMDB corruption error or a record that does not decode (msgpackr) came from; undefined for
 * any other error (a full disk, a bug: those are not cured by a rebuild).
 */
export function damagedStoreOf(error: unknown): IndexRecovery['store'] | undefined {
  if (!(error instanceof Error)) return undefined;
  const stack = error.stack ?? error.message;
  if (!/\bMDB_(PAGE_NOTFOUND|CORRUPTED|BAD_TXN|BAD_VALSIZE|INVALID)\b/.test(error.message) && !/[\\/]msgpackr[\\/]/.test(stack))
    return undefined;
  return /[\\/]refstore[\\/]/.test(stack) ? 'references' : 'images';
}

/**
 * Both stores moved aside together, unopened, into one `damaged-<time>/` (returned; undefined when there is
 * no index yet): the previous run of the command crashed inside LMDB (cli/relaunch.ts), in which store is
 * not known, and a damaged page that the check at open cannot see can crash the next run the same way.
 */
export function setCrashedIndexAside(indexDir: string): string | undefined {
  const refs = path.join(indexDir, 'refs');
  if (![indexDir, refs].some((dir) => fs.existsSync(path.join(dir, 'data.mdb')))) return undefined;
  return moveAside(indexDir, indexDir, refs);
}

/**
 * Moves the damaged store (the image index, or the references beside it in `refs/`) aside, so the next open
 * starts afresh; the recovery to tell the user, its reason the error's first line and where it was met.
 */
export function setDamagedStoreAside(indexDir: string, store: IndexRecovery['store'], error: unknown, where: string): IndexRecovery {
  const text = error instanceof Error ? error.message : String(error);
  const dir = store === 'images' ? indexDir : path.join(indexDir, 'refs');
  return { store, reason: `${text.split('\n')[0]}, ${where}`, movedTo: moveAside(indexDir, dir) };
}
