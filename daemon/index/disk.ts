/**
 * A full disk, said plainly. LMDB maps its lock file and reads its data file through a shared mapping: on a
 * disk with no free block, touching a page that is not backed yet kills the process with SIGBUS (tmpfs does
 * it at the first page of lock.mdb), and a write that runs out of space comes back as ENOSPC or, when
 * `pwrite` wrote only part of a page, as EIO. So the index refuses to open with less than
 * OPEN_RESERVE_BYTES free (enough for LMDB's lock file and first pages, small enough that a warm run on a
 * nearly full disk still works), and a failed write is reported as a full disk when the disk is (nearly)
 * full.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Below this, opening the index is refused (measured: 40 KB free was a SIGBUS on tmpfs, 100 KB an ENOSPC). */
export const OPEN_RESERVE_BYTES = 128 * 1024;
/**
 * An I/O error with less than this free is taken for a full disk (a short write comes back as EIO); and
 * below it the index writes no more (writeRefusal): LMDB's own write path meeting ENOSPC once aborted the
 * process (glibc's "munmap_chunk(): invalid pointer", SIGABRT, in a fresh-clone run with 300 KB left).
 */
const NEARLY_FULL_BYTES = 1024 * 1024;

export class DiskFullError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DiskFullError';
  }
}

/** Bytes an unprivileged writer can still use on the disk holding `dir` (or its nearest existing parent). */
export function freeBytes(dir: string): number | undefined {
  for (let folder = path.resolve(dir); ; folder = path.dirname(folder)) {
    try {
      const stats = fs.statfsSync(folder);
      return stats.bavail * stats.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(folder) === folder) return undefined;
    }
  }
}

function kilobytes(bytes: number): string {
  return bytes >= 10 * 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** Throws a DiskFullError when the disk holding `dir` has less than OPEN_RESERVE_BYTES free. */
export function ensureFreeSpace(dir: string): void {
  const free = freeBytes(dir);
  if (free !== undefined && free < OPEN_RESERVE_BYTES) {
    throw new DiskFullError(
      `the disk is full: ${kilobytes(free)} free on the disk holding ${dir}, the Doublon index needs at least ${kilobytes(OPEN_RESERVE_BYTES)} to open. Free some space and run again.`,
    );
  }
}

/**
 * A DiskFullError when the disk holding `dir` has less than NEARLY_FULL_BYTES free, so that a write is
 * refused before LMDB makes it; undefined when there is room (or the free space cannot be read).
 */
export function writeRefusal(dir: string): DiskFullError | undefined {
  const free = freeBytes(dir);
  if (free === undefined || free >= NEARLY_FULL_BYTES) return undefined;
  return new DiskFullError(
    `the disk is full: ${kilobytes(free)} free on the disk holding ${dir}, and the Doublon index stops writing below ${kilobytes(NEARLY_FULL_BYTES)}. The index keeps its last complete state; free some space and run again.`,
  );
}

const FULL_CODES = new Set<unknown>(['ENOSPC', 'EDQUOT', 'EFBIG', 28, 122, 27, -28, -122, -27]);

/**
 * The error to report for a failed index write: a DiskFullError ("the disk is full: …") when the error
 * says so (ENOSPC, EDQUOT, EFBIG, MDB_MAP_FULL) or is an I/O error (or lmdb-js's bare "Commit failed") on
 * a disk with less than 1 MB free; else an Error naming the index folder.
 */
export function writeFailure(error: unknown, dir: string): Error {
  const raw = error instanceof Error ? error.message : String(error);
  // lmdb-js's own wording for a failed commit says nothing to a user.
  const detail = raw.startsWith('Commit failed') ? 'a commit could not be written' : raw;
  const code = (error as { code?: unknown } | undefined)?.code;
  const free = freeBytes(dir);
  const nearlyFull = free !== undefined && free < NEARLY_FULL_BYTES;
  if (
    FULL_CODES.has(code) ||
    /No space left|quota|File too large|MDB_MAP_FULL/i.test(raw) ||
    (nearlyFull && (code === 5 || code === 'EIO' || /Input\/output error|Commit failed/i.test(raw)))
  ) {
    const left = free === undefined ? '' : `, ${kilobytes(free)} free`;
    return new DiskFullError(
      `the disk is full: writing the Doublon index in ${dir} failed (${detail}${left}). The index keeps its last complete state; free some space and run again.`,
      { cause: error },
    );
  }
  return new Error(`Writing the Doublon index in ${dir} failed: ${detail}`, { cause: error });
}
