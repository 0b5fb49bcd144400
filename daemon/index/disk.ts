/**
 * A full disk, said plainly. LMDB maps its lock file and reads its data file through a shared mapping: on a
 * disk with no free block, touching a page that is not backed yet kills the process with SIGBUS (tmpfs does
 * it at the first page of lock.mdb), and a write that runs out of space comes back as ENOSPC or, when
 * `pwrite` wrote only part of a page, as EIO. So the index refuses to open with less than
 * MIN_FREE_BYTES free, and a failed write is reported as a full disk when the disk is (nearly) full.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Below this, opening the index is refused: a scan writes more than this for a handful of images. */
export const MIN_FREE_BYTES = 1024 * 1024;

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

/** Throws a DiskFullError when the disk holding `dir` has less than MIN_FREE_BYTES free. */
export function ensureFreeSpace(dir: string): void {
  const free = freeBytes(dir);
  if (free !== undefined && free < MIN_FREE_BYTES) {
    throw new DiskFullError(`the disk is full: ${kilobytes(free)} free on the disk holding ${dir}, the Doublon index needs at least ${kilobytes(MIN_FREE_BYTES)}. Free some space and run again.`);
  }
}

const FULL_CODES = new Set<unknown>(['ENOSPC', 'EDQUOT', 'EFBIG', 28, 122, 27, -28, -122, -27]);

/**
 * The error to report for a failed index write: a DiskFullError ("the disk is full: …") when the error
 * says so (ENOSPC, EDQUOT, EFBIG, MDB_MAP_FULL) or is an I/O error on a disk with less than MIN_FREE_BYTES
 * free; else an Error naming the index folder.
 */
export function writeFailure(error: unknown, dir: string): Error {
  const detail = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  const free = freeBytes(dir);
  const nearlyFull = free !== undefined && free < MIN_FREE_BYTES;
  if (FULL_CODES.has(code) || /No space left|quota|File too large|MDB_MAP_FULL/i.test(detail) || (nearlyFull && (code === 5 || code === 'EIO' || /Input\/output error/i.test(detail)))) {
    const left = free === undefined ? '' : `, ${kilobytes(free)} free`;
    return new DiskFullError(`the disk is full: writing the Doublon index in ${dir} failed (${detail}${left}). The index keeps its last complete state; free some space and run again.`, { cause: error });
  }
  return new Error(`Writing the Doublon index in ${dir} failed: ${detail}`, { cause: error });
}
