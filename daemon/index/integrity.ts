/**
 * Damage detection for an LMDB environment, before lmdb-js maps it.
 *
 * LMDB trusts its file: a truncated data.mdb makes it read pages past the end of the map (SIGBUS), a bad
 * page pointer makes it read wild memory (SIGSEGV). Neither can be caught in the process, so every check
 * here runs before the environment is opened, in two steps:
 *
 * 1. Structure (always, < 1 ms): both meta pages (offsets 0 and page size) must carry LMDB's magic and data
 *    version, the same plausible page size, and point at root pages that lie inside the file and say they
 *    are branch or leaf pages of that number. A file shorter than `(last_pgno + 1) * pagesize` is only
 *    *suspicious*: LMDB leaves it that way when the last allocated pages were freed in the same transaction
 *    ("the file may be shorter if the freeDB lists the final pages", mdb.c), so it calls for step 2.
 * 2. A full walk in a child process (when the last close was not clean, the file changed since, or step 1
 *    found it suspicious): the child opens the environment with lmdb-js and reads every key and value of
 *    every database, then starts and aborts a write transaction (which reads the free list). If the child
 *    dies by a signal or fails, the environment is damaged — and only the child died.
 *
 * "Clean" is a seal file written after a clean close: the size, mtime, ctime and inode of data.mdb at that
 * moment. It is deleted at open, so a process that dies (SIGKILL, power loss, full disk) leaves no seal,
 * and any write to data.mdb by anything else changes its ctime. A warm run on an index it closed itself
 * pays one stat; everything else pays the walk once.
 *
 * A damaged environment is moved aside to `<indexDir>/damaged-<time>/` (kept for a bug report, never
 * deleted by Doublon) and the caller starts a fresh one: the index is a cache of what the roots hold.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWriteSync } from '../fs/atomic-write';

/** What happened to a damaged environment, told once to the user. */
export interface IndexRecovery {
  /** 'images' (data.mdb of the index) or 'references' (refs/). */
  store: 'images' | 'references';
  reason: string;
  /** Where the damaged files now are. */
  movedTo: string;
}

export function describeRecovery(recovery: IndexRecovery): string {
  const what = recovery.store === 'images' ? 'image index' : 'reference index';
  return `the ${what} was damaged (${recovery.reason}); it was moved to ${recovery.movedTo} and rebuilt from the files`;
}

const LMDB_MAGIC = 0xbeefc0de;
/** MDB_DATA_VERSION of the LMDB that lmdb-js 3 bundles (its low 16 bits; the high ones are flags). */
const LMDB_DATA_VERSION = 2;
/** Page header of lmdb-js's LMDB: pgno (8), txnid (8), pad (2), flags (2), lower/upper (4). */
const PAGE_HEADER = 24;
/** MDB_meta: magic, version, address, mapsize, 2 × MDB_db (48), last_pg, txnid, boot_id. */
const META_SIZE = 4 + 4 + 8 + 8 + 2 * 48 + 8 + 8 + 8;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_META = 0x08;
/** md_root of an empty tree. */
const P_INVALID = 0xffffffffffffffffn;
const SEAL_FILE = 'closed-cleanly.json';

interface Meta {
  pageSize: number;
  lastPage: bigint;
  txnid: bigint;
  /** Root pages of the free-page tree and the main tree (P_INVALID when empty). */
  roots: bigint[];
}

type Verdict = { state: 'sound' } | { state: 'suspicious'; why: string } | { state: 'damaged'; reason: string };

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  return buffer.subarray(0, fs.readSync(fd, buffer, 0, length, position));
}

function parseMeta(page: Buffer, which: string, expectedPageSize?: number): Meta | string {
  if (page.length < PAGE_HEADER + META_SIZE) return `${which} is cut short`;
  if (!(page.readUInt16LE(18) & P_META)) return `${which} is not a meta page`;
  const meta = page.subarray(PAGE_HEADER);
  if (meta.readUInt32LE(0) !== LMDB_MAGIC) return `${which} has no LMDB magic number`;
  if ((meta.readUInt32LE(4) & 0xffff) !== LMDB_DATA_VERSION)
    return `${which} has data version ${meta.readUInt32LE(4) & 0xffff}, expected ${LMDB_DATA_VERSION}`;
  const pageSize = meta.readUInt32LE(24); // mm_psize is md_pad of the free-page tree
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `${which} has an impossible page size ${pageSize}`;
  if (expectedPageSize !== undefined && pageSize !== expectedPageSize)
    return `${which} has page size ${pageSize}, the first ${expectedPageSize}`;
  const lastPage = meta.readBigUInt64LE(24 + 96);
  if (lastPage < 1n) return `${which} has last page ${lastPage}`;
  const roots = [meta.readBigUInt64LE(24 + 40), meta.readBigUInt64LE(24 + 48 + 40)];
  for (const root of roots)
    if (root !== P_INVALID && (root < 2n || root > lastPage))
      return `${which} points at root page ${root}, beyond its last page ${lastPage}`;
  return { pageSize, lastPage, txnid: meta.readBigUInt64LE(24 + 104), roots };
}

/**
 * Step 1: the meta pages and root pages of `<dir>/data.mdb`. `sealedSize` is the size recorded at the
 * last clean close (an empty file is then a truncation, not an environment being created).
 */
export function checkStructure(dataFile: string, sealedSize?: number): Verdict {
  let fd: number;
  try {
    fd = fs.openSync(dataFile, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'sound' };
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    // An empty file is an environment LMDB is creating (it writes the metas right after), unless we closed
    // a non-empty one cleanly: then it was truncated.
    if (size === 0)
      return sealedSize
        ? { state: 'damaged', reason: `data.mdb is empty, ${sealedSize} bytes at the last clean close` }
        : { state: 'sound' };
    const first = parseMeta(readAt(fd, 0, PAGE_HEADER + META_SIZE), 'the first meta page');
    if (typeof first === 'string') {
      // LMDB 0.9's layout (16-byte page header) is not ours to judge: let LMDB read it.
      const legacy = readAt(fd, 16, 4);
      if (legacy.length === 4 && legacy.readUInt32LE(0) === LMDB_MAGIC) return { state: 'suspicious', why: 'an LMDB 0.9 layout' };
      return {
        state: 'damaged',
        reason: size < PAGE_HEADER + META_SIZE ? `data.mdb is truncated (${size} bytes)` : `data.mdb is not an LMDB file: ${first}`,
      };
    }
    const { pageSize } = first;
    if (size < 2 * pageSize)
      return { state: 'damaged', reason: `data.mdb is truncated (${size} bytes, less than its two ${pageSize}-byte meta pages)` };
    const second = parseMeta(readAt(fd, pageSize, PAGE_HEADER + META_SIZE), 'the second meta page', pageSize);
    if (typeof second === 'string') return { state: 'damaged', reason: `data.mdb: ${second}` };
    const pages = BigInt(Math.floor(size / pageSize));
    for (const meta of [first, second]) {
      for (const root of meta.roots) {
        if (root === P_INVALID) continue;
        if (root >= pages)
          return { state: 'damaged', reason: `data.mdb is truncated (${size} bytes): its root page ${root} lies past the end` };
        const header = readAt(fd, Number(root) * pageSize, PAGE_HEADER);
        const flags = header.readUInt16LE(18);
        if (header.readBigUInt64LE(0) !== root || !(flags & (P_BRANCH | P_LEAF)))
          return { state: 'damaged', reason: `data.mdb: root page ${root} is not a tree page` };
      }
    }
    const newest = first.txnid >= second.txnid ? first : second;
    const needed = (newest.lastPage + 1n) * BigInt(pageSize);
    if (BigInt(size) < needed) return { state: 'suspicious', why: `data.mdb is ${size} bytes, its meta page says ${needed}` };
    return { state: 'sound' };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Runs in the child (node -e): opens the environment, reads every database named in the main tree, then
 * writes each database's records again in a transaction it aborts. The writes matter: a put descends into
 * and splits leaf pages that a read walk passes over (random bytes in data.mdb's pages 3–10 once left an
 * index the reads walked cleanly and a scan's first put crashed on, SIGSEGV in mdb_node_add). Prints the
 * number of entries read. Arguments: the lmdb module path, the folder.
 */
const WALK_SCRIPT = `
const [lmdbPath, dir] = process.argv.slice(1);
const { open, ABORT } = require(lmdbPath);
const root = open({ path: dir, maxDbs: 64, encoding: 'binary', keyEncoding: 'binary', noReadAhead: true });
let entries = 0, bytes = 0;
const names = [];
for (const { key, value } of root.getRange({})) { entries++; if (value.length === 48) names.push({ name: key.toString('utf8'), flags: value.readUInt16LE(4) }); }
for (const { name, flags } of names) {
  const db = root.openDB({ name, create: false, dupSort: (flags & 0x04) !== 0, encoding: 'binary', keyEncoding: 'binary' });
  const records = [];
  // Copies: a range may hand out views of one buffer it reuses.
  for (const { key, value } of db.getRange({})) { entries++; bytes += key.length + value.length; records.push(Buffer.from(key), Buffer.from(value)); }
  root.transactionSync(() => { for (let i = 0; i < records.length; i += 2) db.putSync(records[i], records[i + 1]); return ABORT; });
}
root.close();
process.stdout.write(JSON.stringify({ entries, bytes }));
`;

export interface WalkResult {
  /** Undefined when the walk finished. */
  damage?: string;
  entries: number;
  ms: number;
}

/** Step 2: the full walk in a child process; a signal death or an error there means damage. */
export function walkInChild(dir: string): WalkResult {
  const started = performance.now();
  const dataSize = fs.statSync(path.join(dir, 'data.mdb'), { throwIfNoEntry: false })?.size ?? 0;
  // A corrupt tree can loop: bound the walk, generously (a 100 000-image index walks in well under 2 s).
  const timeout = 60_000 + Math.ceil(dataSize / (100 * 1024 * 1024)) * 10_000;
  const result = spawnSync(process.execPath, ['-e', WALK_SCRIPT, require.resolve('lmdb'), dir], {
    encoding: 'utf8',
    timeout,
    maxBuffer: 1024 * 1024,
    // Inside an editor, process.execPath is Electron: make it behave as Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = Math.round(performance.now() - started);
  if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT')
    throw new Error(`cannot check the index in ${dir}: ${result.error.message}`);
  if (result.signal)
    return {
      damage: result.error
        ? `checking it did not finish within ${timeout} ms`
        : `checking it (a read of every record, a rewrite of each) killed the checking process (${result.signal})`,
      entries: 0,
      ms,
    };
  if (result.status !== 0) {
    const last =
      result.stderr
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => /error/i.test(line))
        .shift() ?? `exit code ${result.status}`;
    return { damage: `checking it failed: ${last.slice(0, 300)}`, entries: 0, ms };
  }
  return { entries: (JSON.parse(result.stdout) as { entries: number }).entries, ms };
}

interface Seal {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

function sealOf(stat: fs.Stats): Seal {
  return { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino };
}

function readSeal(dir: string): Seal | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(dir, SEAL_FILE), 'utf8')) as Partial<Seal>;
    return typeof value.size === 'number' &&
      typeof value.mtimeMs === 'number' &&
      typeof value.ctimeMs === 'number' &&
      typeof value.ino === 'number'
      ? (value as Seal)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * After a clean close: records data.mdb as it is, so the next open can skip the walk. A seal that cannot
 * be written (a full disk) only costs that walk.
 */
export function writeSeal(dir: string): void {
  const file = path.join(dir, SEAL_FILE);
  try {
    const stat = fs.statSync(path.join(dir, 'data.mdb'), { throwIfNoEntry: false });
    if (!stat) return;
    atomicWriteSync(file, JSON.stringify(sealOf(stat)) + '\n', { mode: 0o600 });
  } catch {
    // the temp file is removed by atomicWriteSync
  }
}

/** Moves data.mdb, lock.mdb (and the seal) of each of `dirs` into `<indexDir>/damaged-<time>/<sub>`; returns that folder. */
export function moveAside(indexDir: string, ...dirs: string[]): string {
  const stamp = new Date().toISOString().replace(/:/g, '-'); // ':' is not allowed in Windows file names
  let target = path.join(indexDir, `damaged-${stamp}`);
  for (let n = 2; fs.existsSync(target); n++) target = path.join(indexDir, `damaged-${stamp}-${n}`);
  for (const dir of dirs) {
    const sub = path.relative(indexDir, dir);
    const into = sub ? path.join(target, sub) : target;
    fs.mkdirSync(into, { recursive: true, mode: 0o700 });
    for (const name of ['data.mdb', 'lock.mdb', SEAL_FILE]) {
      try {
        fs.renameSync(path.join(dir, name), path.join(into, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return target;
}

export interface GuardOptions {
  indexDir: string;
  store: IndexRecovery['store'];
}

export interface GuardResult {
  /** Set when the environment was damaged and moved aside. */
  recovery?: IndexRecovery;
  /** Set when the full walk ran (the last close was not clean, data.mdb changed, or it looked suspicious). */
  walk?: WalkResult;
}

/**
 * Everything before opening the environment in `dir`: check it (structure, and the walk when needed),
 * move it aside if damaged, and drop the seal (the environment is open from now on, unclean until
 * `writeSeal`).
 */
export function guardEnvironment(dir: string, options: GuardOptions): GuardResult {
  const dataFile = path.join(dir, 'data.mdb');
  const seal = readSeal(dir);
  fs.rmSync(path.join(dir, SEAL_FILE), { force: true });
  const stat = fs.statSync(dataFile, { throwIfNoEntry: false });
  if (!stat) return {};
  let verdict = checkStructure(dataFile, seal?.size);
  if (verdict.state === 'sound' && stat.size > 0) {
    const current = sealOf(stat);
    const unchanged =
      seal !== undefined &&
      seal.size === current.size &&
      seal.mtimeMs === current.mtimeMs &&
      seal.ctimeMs === current.ctimeMs &&
      seal.ino === current.ino;
    if (!unchanged)
      verdict = { state: 'suspicious', why: seal ? 'data.mdb changed since the last clean close' : 'the last close was not clean' };
  }
  let walk: WalkResult | undefined;
  if (verdict.state === 'suspicious') {
    walk = walkInChild(dir);
    verdict = walk.damage ? { state: 'damaged', reason: `${walk.damage}; checked because ${verdict.why}` } : { state: 'sound' };
  }
  if (verdict.state !== 'damaged') return { walk };
  return { walk, recovery: { store: options.store, reason: verdict.reason, movedTo: moveAside(options.indexDir, dir) } };
}
