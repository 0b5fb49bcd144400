/**
 * Writing a file atomically — the one implementation behind every file Doublon writes whole: apply and undo
 * (sources, backups, journals), the daemon's config edits, its info file, the index seal, the thumbnail cache.
 *
 * A temp file in the same folder (`.NAME.doublon-<12 hex>.tmp`: the rename cannot cross devices, and a
 * leftover is recognisable, see removeLeftoverTempFiles), written and flushed, given `mode` and, when asked,
 * the owner and group (an error if that is not allowed: a file never silently changes hands), then renamed
 * over the file and the folder flushed. Readers see the old content or the new one, never a half-written file;
 * after a power loss, one or the other (unless `durable: false`, for caches whose loss costs only a recompute).
 * The asynchronous form is for the engine; the synchronous one for the few writes made where nothing may wait
 * (closing an index, the daemon's start).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** What a written file must end up with: permission bits, and (when given) owner and group. */
export interface FileOwnership {
  mode: number;
  uid?: number;
  gid?: number;
  /** false: no fsync of the file or its folder (a cache). Default true. */
  durable?: boolean;
}

/** The name atomicWrite gives its temporary file: `.NAME.doublon-<12 hex>.tmp`, beside the file. */
export const TEMP_FILE_PATTERN = /^\..+\.doublon-[0-9a-f]{12}\.tmp$/;

function tempFileFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.doublon-${randomBytes(6).toString('hex')}.tmp`);
}

const wantsOwner = (keep: FileOwnership): keep is FileOwnership & { uid: number; gid: number } =>
  keep.uid !== undefined && keep.gid !== undefined;

export async function atomicWrite(file: string, bytes: Uint8Array | string, keep: FileOwnership): Promise<void> {
  const tmp = tempFileFor(file);
  const fh = await fs.promises.open(tmp, 'wx', 0o600);
  let renamed = false;
  try {
    await fh.writeFile(bytes);
    if (wantsOwner(keep)) {
      const st = await fh.stat();
      if (st.uid !== keep.uid || st.gid !== keep.gid) await fh.chown(keep.uid, keep.gid);
    }
    await fh.chmod(keep.mode & 0o7777); // after chown, which may clear set-id bits
    if (keep.durable !== false) await fh.sync();
    await fh.close();
    await fs.promises.rename(tmp, file);
    renamed = true;
    if (keep.durable !== false) await syncFolder(path.dirname(file));
  } finally {
    if (!renamed) {
      await fh.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined); // our own temp file, never the user's
    }
  }
}

export function atomicWriteSync(file: string, bytes: Uint8Array | string, keep: FileOwnership): void {
  const tmp = tempFileFor(file);
  let fd: number | undefined = fs.openSync(tmp, 'wx', 0o600);
  let renamed = false;
  try {
    fs.writeFileSync(fd, bytes);
    if (wantsOwner(keep)) {
      const st = fs.fstatSync(fd);
      if (st.uid !== keep.uid || st.gid !== keep.gid) fs.fchownSync(fd, keep.uid, keep.gid);
    }
    fs.fchmodSync(fd, keep.mode & 0o7777);
    if (keep.durable !== false) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
    renamed = true;
    if (keep.durable !== false) syncFolderSync(path.dirname(file));
  } finally {
    if (!renamed) {
      if (fd !== undefined)
        try {
          fs.closeSync(fd);
        } catch {
          /* already closed */
        }
      fs.rmSync(tmp, { force: true });
    }
  }
}

/** Flushes a folder's entries (the rename) where the platform allows opening a folder. */
async function syncFolder(folder: string): Promise<void> {
  let fh;
  try {
    fh = await fs.promises.open(folder, 'r');
    await fh.sync();
  } catch {
    // Windows, or a file system without folder fsync: the rename is still atomic
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

function syncFolderSync(folder: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(folder, 'r');
    fs.fsyncSync(fd);
  } catch {
    // as above
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
