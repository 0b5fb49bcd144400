/** File operations of apply and undo: moves that never lose a file, the journal lock (atomic writes: fs/atomic-write.ts). */
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { sha256 } from './codec';
import { ReplaceError } from './errors';

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
    return new ReplaceError(
      'busy',
      `Cannot ${what}: another replace or undo is running${pid ? ` (pid ${pid})` : ''} and holds ${file}. Wait for it to finish; if no such process runs, delete that file.`,
      file,
      { cause },
    );
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
