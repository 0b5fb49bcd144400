/**
 * The catalogue's perceptual keys, kept between runs in the site's index folder and brought up to date with
 * only what changed since (contents added, contents removed), so that an incremental publish or a check costs
 * in proportion to the catalogue's changes, not to its size. Without the file (a fresh CI runner without a
 * cached `.doublon/`), or for another catalogue (its identity differs), every key is loaded once and saved.
 *
 * Every write of the catalogue happens under its advisory lock, and every content added or removed takes the
 * next number of one sequence (`catalogue_changes`): a reader that has seen every change up to N has seen all
 * committed ones below N, so "everything after N" is exact. Additions and removals are read in one statement
 * (one snapshot).
 *
 * File: "DBLNKEY1", fingerprint version (u32), identity (36 ASCII), last change (f64), count (u32), then per
 * content its sha256 (32 bytes) and hash (32 bytes). Written to a temporary file and renamed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type pg from 'pg';
import { CatalogueKeys } from './search';

const MAGIC = 'DBLNKEY1';
const HEADER = 8 + 4 + 36 + 8 + 4;
const RECORD = 64;

interface Cached {
  change: number;
  count: number;
  records: Buffer;
}

function readCache(file: string, identity: string, fpVersion: number): Cached | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < HEADER || bytes.toString('latin1', 0, 8) !== MAGIC) return undefined;
  if (bytes.readUInt32LE(8) !== fpVersion || bytes.toString('latin1', 12, 48) !== identity) return undefined;
  const change = bytes.readDoubleLE(48);
  const count = bytes.readUInt32LE(56);
  if (bytes.length !== HEADER + count * RECORD) return undefined; // truncated: load everything again
  return { change, count, records: bytes.subarray(HEADER) };
}

function writeCache(file: string, identity: string, fpVersion: number, change: number, chunks: readonly Buffer[]): void {
  const count = chunks.reduce((n, c) => n + c.length / RECORD, 0);
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(fpVersion, 8);
  header.write(identity.padEnd(36).slice(0, 36), 12, 'latin1');
  header.writeDoubleLE(change, 48);
  header.writeUInt32LE(count, 56);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(temporary, 'w');
    try {
      fs.writeSync(fd, header);
      for (const chunk of chunks) fs.writeSync(fd, chunk);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch {
    // A cache that cannot be written costs the next run a full load, nothing else.
    fs.rmSync(temporary, { force: true });
  }
}

/** A 48-bit prefix of a content id, as a number: a cheap first test of membership (no string per key). */
const prefix = (bytes: Uint8Array, offset: number): number => Buffer.from(bytes.buffer, bytes.byteOffset + offset, 6).readUIntBE(0, 6);

export interface KeySyncStats {
  /** Keys read from the cache file. */
  cached: number;
  /** Contents added and removed since the cache (all of them when there was none). */
  added: number;
  removed: number;
  /** Keys held after the sync. */
  total: number;
}

export interface SyncedKeys {
  keys: CatalogueKeys;
  /** Writes the cache file when anything changed. A publish calls it after COMMIT: never keys of a rolled-back one. */
  save: () => void;
  stats: KeySyncStats;
}

/**
 * The catalogue's keys of this fingerprint version: from `cacheFile` when it is current for this catalogue,
 * plus the changes since. Without `cacheFile`, every key is loaded (and nothing is saved).
 */
export async function syncKeys(client: pg.Client, fpVersion: number, cacheFile?: string): Promise<SyncedKeys> {
  const numbered = await client.query<{ yes: boolean }>("SELECT to_regclass('catalogue_identity') IS NOT NULL AS yes");
  if (!numbered.rows[0]?.yes) {
    // A catalogue of schema 1 (readers never migrate): no change numbers, every key is read.
    const keys = await CatalogueKeys.load(client, fpVersion);
    return { keys, stats: { cached: 0, added: keys.size, removed: 0, total: keys.size }, save: () => undefined };
  }
  const identityRow = await client.query<{ id: string }>('SELECT id::text AS id FROM catalogue_identity LIMIT 1');
  const identity = identityRow.rows[0]?.id;
  const cached = cacheFile && identity ? readCache(cacheFile, identity, fpVersion) : undefined;
  const since = cached?.change ?? 0;
  // One statement: additions and removals from the same snapshot.
  const { rows } = await client.query<[number, Buffer, Buffer | null, string]>({
    text: `SELECT 0, sha256, hash, change FROM contents WHERE fp_version = $1 AND change > $2
           UNION ALL
           SELECT 1, sha256, NULL, change FROM removed_contents WHERE fp_version = $1 AND change > $2 AND $2 > 0`,
    values: [fpVersion, since],
    rowMode: 'array',
  });
  let change = since;
  const gone = new Map<number, string[]>(); // prefix → ids removed or re-added: cached entries to drop
  const note = (sha: Buffer): void => {
    const list = gone.get(prefix(sha, 0));
    if (list) list.push(sha.toString('hex'));
    else gone.set(prefix(sha, 0), [sha.toString('hex')]);
  };
  let added = 0;
  let removed = 0;
  for (const [kind, sha] of rows) {
    note(sha);
    if (kind === 1) removed++;
    else added++;
  }
  const keys = new CatalogueKeys();
  /** What the cache file will hold: the cached records still current, then the additions. */
  const chunks: Buffer[] = [];
  if (cached) {
    const records = cached.records;
    const kept = gone.size > 0 ? Buffer.alloc(records.length) : records;
    let length = 0;
    for (let i = 0, at = 0; i < cached.count; i++, at += RECORD) {
      const candidates = gone.size > 0 ? gone.get(prefix(records, at)) : undefined;
      if (candidates && candidates.includes(records.toString('hex', at, at + 32))) continue;
      keys.add(records.subarray(at, at + 32), records.subarray(at + 32, at + RECORD));
      if (kept !== records) records.copy(kept, length, at, at + RECORD);
      length += RECORD;
    }
    chunks.push(kept.subarray(0, length));
  }
  // The last change of each content wins (removed then re-added: added; added then removed: gone).
  const latest = new Map<string, { kind: number; hash: Buffer | null; sha: Buffer }>();
  for (const [kind, sha, hash, seq] of [...rows].sort((a, b) => Number(a[3]) - Number(b[3]))) {
    change = Math.max(change, Number(seq));
    latest.set(sha.toString('hex'), { kind, hash, sha });
  }
  const fresh = [...latest.values()].filter((entry) => entry.kind === 0 && entry.hash);
  const additions = Buffer.alloc(fresh.length * RECORD);
  fresh.forEach((entry, i) => {
    keys.add(entry.sha, entry.hash!);
    entry.sha.copy(additions, i * RECORD);
    entry.hash!.copy(additions, i * RECORD + 32);
  });
  chunks.push(additions);
  return {
    keys,
    stats: { cached: cached?.count ?? 0, added, removed, total: keys.size },
    save: () => {
      if (cacheFile && identity && (!cached || rows.length > 0)) writeCache(cacheFile, identity, fpVersion, change, chunks);
    },
  };
}

/** Where a site keeps its copy of the catalogue's keys: in its index folder (CI caches it with the index). */
export function keyCacheFile(indexDir: string): string {
  return path.join(indexDir, 'catalogue-keys.bin');
}
