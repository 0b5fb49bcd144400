/**
 * Which version of a file a record describes: its size, mtime and inode. A file whose three are unchanged
 * is not read again (the image index, the reference index, the daemon's live updates); an editor's
 * save-by-rename changes the inode even when size and mtime match, so the inode counts too.
 */
export interface FileVersion {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Whether `record` (possibly absent) was taken from the file as `stat` shows it now. */
export function isSameVersion(record: FileVersion | undefined, stat: FileVersion): boolean {
  return record !== undefined && record.size === stat.size && record.mtimeMs === stat.mtimeMs && record.ino === stat.ino;
}
