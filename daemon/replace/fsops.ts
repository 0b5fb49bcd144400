/** File operations of apply and undo: atomic writes that keep mode and owner, moves that never lose a file, the journal lock. */
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256 } from './codec';
import { ReplaceError } from './errors';

/** What a written file must end up with: permission bits, and (when given) owner and group. */
export interface FileOwnership {
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * Writes `bytes` to `file` atomically — the one implementation every write of apply, undo and the daemon's
 * config edits goes through: a temp file in the same folder (`.NAME.doublon-<12 hex>.tmp`, so the rename
 * cannot cross devices and a leftover is recognisable, see removeLeftoverTempFiles), written and flushed,
 * given `mode` and, when asked, the owner and group (an error if that is not allowed: a file never silently
 * changes hands), then renamed over the file and the folder flushed. Readers see the old content or the new
 * one, never a half-written file.
 */
export async function atomicWrite(file: string, bytes: Buffer | string, keep: FileOwnership): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.doublon-${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fsp.open(tmp, 'wx', 0o600);
  let renamed = false;
  try {
    await fh.writeFile(bytes);
    if (keep.uid !== undefined && keep.gid !== undefined) {
      const st = await fh.stat();
      if (st.uid !== keep.uid || st.gid !== keep.gid) await fh.chown(keep.uid, keep.gid);
    }
    await fh.chmod(keep.mode & 0o7777); // after chown, which may clear set-id bits
    await fh.sync();
    await fh.close();
    await fsp.rename(tmp, file);
    renamed = true;
    await syncFolder(path.dirname(file));
  } finally {
    if (!renamed) {
      await fh.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined); // our own temp file, never the user's
    }
  }
}

/** Flushes a folder's entries (the rename) where the platform allows opening a folder. */
async function syncFolder(folder: string): Promise<void> {
  let fh;
  try {
    fh = await fsp.open(folder, 'r');
    await fh.sync();
  } catch {
    // Windows, or a file system without folder fsync: the rename is still atomic
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Moves a file to `to` (which must not exist), creating its folder. Across devices: copy (with the original's
 * mode, owner and group), check the copy's SHA-256, then remove the original, so a file is never lost.
 */
export async function moveFile(from: string, to: string, expectedSha256?: string): Promise<void> {
  await fsp.mkdir(path.dirname(to), { recursive: true });
  if (await exists(to)) throw Object.assign(new Error(`${to} already exists`), { code: 'EEXIST' });
  try {
    await fsp.rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await fsp.copyFile(from, to, constants.COPYFILE_EXCL);
    const st = await fsp.stat(from);
    const copied = await fsp.stat(to);
    if (copied.uid !== st.uid || copied.gid !== st.gid) await fsp.chown(to, st.uid, st.gid);
    await fsp.chmod(to, st.mode & 0o7777);
    const copy = sha256(await fsp.readFile(to));
    if (copy !== (expectedSha256 ?? sha256(await fsp.readFile(from)))) {
      await fsp.rm(to, { force: true });
      throw new Error(`copy of ${from} to ${to} does not match the original`, { cause: e });
    }
    await fsp.rm(from);
  }
}

/** Exclusive lock on the journal folder for one apply or undo; a lock left by a dead process is taken over. */
export async function withLock<T>(journalDir: string, what: string, fn: () => Promise<T>): Promise<T> {
  await fsp.mkdir(journalDir, { recursive: true });
  const lock = path.join(journalDir, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await fsp.open(lock, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw busy(lock, e);
      const pid = Number.parseInt(await fsp.readFile(lock, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw busy(lock, e, pid);
      await fsp.rm(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }

  function busy(file: string, cause: unknown, pid?: number): ReplaceError {
    return new ReplaceError('busy', `Cannot ${what}: another replace or undo is running${pid ? ` (pid ${pid})` : ''} and holds ${file}. Wait for it to finish; if no such process runs, delete that file.`, file, { cause });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs fn over items with at most `limit` in flight (fsync-bound writes overlap well). After the first
 * failure no new item starts; the ones in flight finish; then the first error is thrown.
 */
export async function runPool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.error;
}
