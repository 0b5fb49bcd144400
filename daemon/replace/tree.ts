/**
 * Walking the roots for the replacement engine's own checks (the mention scan, the clean-up of temporary
 * files): every regular file, links never followed, version-control and dependency folders and the index
 * folder left out. Independent of the include/exclude globs on purpose: a safety net must see what the
 * index does not.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { TEMP_FILE_PATTERN } from '../fs/atomic-write';
import { walkFolders, type SubFolder } from '../fs/walk';

/** Folders no site page is served from and whose text is not the site's. */
export const UNWALKED_FOLDERS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', 'node_modules']);

/**
 * Every regular file below the folders (absolute paths), in no particular order; unreadable folders are
 * passed over. Through the one walker (daemon/fs/walk.ts), yielding to the event loop between folders.
 */
export async function* filesUnder(folders: readonly string[], skip: readonly string[] = []): AsyncGenerator<string> {
  const skipped = new Set(skip.map((s) => path.resolve(s)));
  const enter = (folder: SubFolder): boolean => !UNWALKED_FOLDERS.has(folder.name) && !skipped.has(folder.absolute);
  for (const start of new Set(folders.map((f) => path.resolve(f)))) {
    for (const folder of walkFolders(start, { enter })) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (const entry of folder.entries) if (entry.isFile()) yield folder.absolute + path.sep + entry.name;
    }
  }
}

/** When this process started (ms since the epoch): a temp file older than that belongs to an earlier run. */
export function processStartTime(): number {
  return Date.now() - process.uptime() * 1000;
}

/**
 * Removes temporary files an interrupted apply or undo left behind (`kill -9` between write and rename):
 * only names matching TEMP_FILE_PATTERN, only regular files, only older than this process (a running
 * apply's own temp files are newer). Returns what was removed.
 */
export async function removeLeftoverTempFiles(folders: readonly string[], olderThan = processStartTime()): Promise<string[]> {
  const removed: string[] = [];
  // The index folder is walked too (journal and trash use the same writes): no folder is skipped here.
  for await (const file of filesUnder(folders)) {
    if (!TEMP_FILE_PATTERN.test(path.basename(file))) continue;
    try {
      const st = await fsp.lstat(file);
      if (!st.isFile() || st.mtimeMs >= olderThan) continue;
      await fsp.rm(file);
      removed.push(file);
    } catch {
      // gone meanwhile, or not ours to remove: left alone
    }
  }
  return removed.sort();
}
