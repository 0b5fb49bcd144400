/* eslint-disable max-lines -- the store's layout, write model and durability are one contract, documented together (a house example). */
/**
 * The persistent index: one LMDB environment (lmdb-js) with four named databases.
 *
 *   files     path → FileRecord            (msgpack)
 *   contents  sha256 → ContentRecord<F>    (msgpack; Uint8Array fields come back as Buffers)
 *   sha       sha256 → path, dupSort       (the secondary index; ordered-binary)
 *   meta      key → value                  (msgpack; '$format' and '$clock' are the store's own)
 *
 * Reads are synchronous; writes are lmdb-js asynchronous puts, encoded on the main thread and committed by
 * its write thread, all those of one event turn in one transaction. Until that transaction commits, an
 * in-memory overlay of the pending records answers reads, so a read always sees the caller's last write.
 * A file record and its sha index entries are written in one `batch` (atomic on its own, whatever the event
 * turn), the old sha taken from the record being replaced: a process killed at any point (SIGKILL) leaves
 * either the old pair or the new one. This assumes one writing process per index (the daemon's lock file).
 *
 * Durability: lmdb-js defaults, i.e. synced commits with overlappingSync on Linux (the fsync runs after the
 * commit, outside the write lock; LMDB's two meta pages keep the last fully-synced state valid). Killing the
 * process never loses a committed transaction (the OS holds the pages); a power loss may lose the last
 * unsynced commits but cannot corrupt the index. noSync (option `sync: false`) is kept for throwaway
 * indexes only: batching already amortises the fsync (bench/hamming.ts measures both), and the index,
 * although rebuildable, takes minutes of decoding to rebuild.
 *
 * Damage: LMDB trusts its file, and a truncated or overwritten one crashes the process (SIGSEGV, SIGBUS).
 * So open() checks it first (integrity.ts: meta and root pages always; a full walk in a child process when
 * the last close was not clean or the file changed since), moves a damaged one aside to
 * `damaged-<time>/` and starts afresh (`recovery`). A failed commit (a full disk, disk.ts) fails every
 * later write and flush with the same error, and the index is not sealed, so the next open walks it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { DiskFullError, ensureFreeSpace, writeFailure, writeRefusal } from './disk';
import { guardEnvironment, moveAside, writeSeal, type IndexRecovery } from './integrity';
import { makePrivateDir, tightenIndexDir } from './private';

/** How often, at most, a write reads the free space of the index's disk (a statfs: microseconds). */
const SPACE_CHECK_MS = 100;

export interface FileRecord {
  /** Absolute, normalised, '/' separators: the key. */
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  /** Absent when the file could not be read. */
  sha256?: string;
  /** Read or decode error message, shown to the user. */
  error?: string;
  /**
   * A copy of the content's dimensions and losslessness, so grouping and reports need not decode the
   * whole fingerprint of every file on a warm run. Absent in records written before it existed.
   */
  image?: { width: number; height: number; lossless: boolean };
}

export interface ContentRecord<F> {
  sha256: string;
  bytes: number;
  fingerprint?: F;
  pixelDigest?: string;
  error?: string;
}

export interface IndexStoreOptions {
  /** The caller's record schema; a stored index with another version is wiped and rebuilt. Default 1. */
  schemaVersion?: number;
  /**
   * false = no fsync (LMDB noSync): still safe against a killed process, not against a power loss or an OS
   * crash, which may corrupt the index. For throwaway indexes (a CI run, benchmarks). Default true.
   */
  sync?: boolean;
}

/** Version of this module's own layout (databases, flags, key formats). */
const STORE_FORMAT = 1;
const FORMAT_KEY = '$format';
const CLOCK_KEY = '$clock';
/** LMDB's key limit is 1978 bytes (and dupSort values share it); leave room for the key encoding. */
const MAX_PATH_BYTES = 1900;
/**
 * Address space reserved for the map at open (it still grows past it when needed). lmdb-js starts at 128 KB
 * and doubles, keeping every older map: a 35 MB index ended up mapped 7 times, its pages counted twice in
 * the resident memory of a scan. On 64-bit Linux and macOS a reservation costs no memory and no disk; on
 * Windows the file may be extended to the map size, so lmdb-js's default stays there.
 */
const INITIAL_MAP = process.platform === 'win32' || process.arch.endsWith('32') ? {} : { mapSize: 4 * 1024 ** 3 };

interface Format {
  store: number;
  schema: number;
}

type Op =
  | { db: 'files'; key: string; seq: number; value: FileRecord | null }
  | { db: 'contents'; key: string; seq: number; value: ContentRecord<unknown> | null }
  | { db: 'meta'; key: string; seq: number; value: unknown };

interface Pending<T> {
  value: T | null;
  seq: number;
}

/** Range of keys under a folder: '/a/b' → ['/a/b/', '/a/b0'), '0' being the character after '/'. */
function folderRange(prefix: string): { start: string; end: string } {
  const folder = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return { start: folder + '/', end: folder + '0' };
}

function inRange(key: string, range: { start: string; end: string } | undefined): boolean {
  return !range || key.startsWith(range.start);
}

const COMMIT_FAILED = 'Commit failed (see commitError for details)';
let commitFailuresHandled = false;
/** Stores open in this process: told when lmdb-js reports a failed commit that no promise of theirs carries. */
const openStores = new Set<{ failed(error: unknown): void; commitFailedWith(commitError: unknown): void }>();

/**
 * lmdb-js opens each event-turn batch with an internal write whose promise nobody holds: when that commit
 * fails (a full disk) it rejects unhandled, and the promises of the writes that were in it may never settle.
 * Node would exit with a stack trace (or, handled, with code 0 and the scan silently unfinished). So that
 * rejection fails every open store instead: their pending and later writes and flushes throw the error.
 * Any other unhandled rejection is left to the process's other handlers, or thrown as before (Node's
 * default) when there are none.
 */
function handleOrphanCommitFailures(): void {
  if (commitFailuresHandled) return;
  commitFailuresHandled = true;
  process.on('unhandledRejection', (reason: unknown) => {
    if (reason instanceof Error && reason.message === COMMIT_FAILED && 'commitError' in reason) {
      const commitError = (reason as { commitError: Promise<unknown> }).commitError;
      settled(commitError);
      for (const store of openStores) {
        store.failed(reason);
        store.commitFailedWith(commitError);
      }
      return;
    }
    // Another handler (a test runner, an embedding host) deals with the rest; else Node's default: crash.
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}

/** Marks a promise whose failure is reported elsewhere as handled (no unhandled rejection). */
function settled(promise: Promise<unknown>): void {
  promise.catch(() => undefined);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class IndexStore<F> {
  /** True when open() found an index of another schema (or an unreadable one) and started afresh. */
  readonly rebuilt: boolean;
  /** Why it was rebuilt, e.g. "schema version 2 differs from the stored 1". */
  readonly rebuildReason: string | undefined;
  /** Set when the stored index was damaged: why, and where the damaged files were moved. Tell the user. */
  readonly recovery: IndexRecovery | undefined;
  /**
   * Told LMDB's own error when a commit fails (lmdb-js reports it after its "Commit failed"): a damaged page
   * a write met under a running daemon (MDB_BAD_TXN, MDB_PAGE_NOTFOUND…) arrives only here.
   */
  onCommitError: ((error: unknown) => void) | undefined;

  private readonly fileOverlay = new Map<string, Pending<FileRecord>>();
  private readonly contentOverlay = new Map<string, Pending<ContentRecord<F>>>();
  private readonly metaOverlay = new Map<string, Pending<unknown>>();
  /** sha256 → paths whose pending (uncommitted) record points at it. */
  private readonly pendingBySha = new Map<string, Set<string>>();
  private groupCommit: Promise<unknown> | undefined;
  private group: Op[] = [];
  private lastCommit: Promise<unknown> = Promise.resolve();
  private writeError: Error | undefined;
  /** When the free space was last read (checkWritable). */
  private spaceCheckedAt = -Infinity;
  /** Resolves when a write fails: flushes stop waiting for commits that will never settle. */
  private readonly failure: Promise<void>;
  private signalFailure!: () => void;
  private seq = 0;
  private clockValue: number;
  private closed = false;
  private environmentClosed: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly root: RootDatabase,
    private readonly filesDb: Database<FileRecord, string>,
    private readonly contentsDb: Database<ContentRecord<F>, string>,
    private readonly shaDb: Database<string, string>,
    private readonly metaDb: Database<unknown, string>,
    rebuilt: string | undefined,
    recovery: IndexRecovery | undefined,
  ) {
    this.rebuilt = rebuilt !== undefined;
    this.rebuildReason = rebuilt;
    this.recovery = recovery;
    this.failure = new Promise((resolve) => (this.signalFailure = resolve));
    openStores.add(this);
    this.clockValue = (metaDb.get(CLOCK_KEY) as number | undefined) ?? 0;
  }

  /**
   * Opens (creating) the index in `dir`. A stored index of another schema version is wiped in one
   * transaction (the clock carries over, so clients' clocks stay comparable). A damaged one (see
   * integrity.ts: checked before LMDB maps it) is moved aside to `damaged-<time>/` and started afresh;
   * `recovery` says so. Anything else (a file where the folder should be, no permission, a full disk)
   * throws an error naming the folder.
   */
  static open<F>(dir: string, options: IndexStoreOptions = {}): IndexStore<F> {
    const schema = options.schemaVersion ?? 1;
    if (!Number.isInteger(schema)) throw new TypeError(`IndexStore.open: expected an integer schemaVersion but received ${String(schema)}`);
    const folder = path.resolve(dir);
    try {
      const stat = fs.statSync(folder, { throwIfNoEntry: false });
      if (stat && !stat.isDirectory()) throw new Error('it exists and is not a folder');
      makePrivateDir(folder);
    } catch (err) {
      throw new Error(
        `Cannot open the Doublon index in ${folder}: ${message(err)}. Remove or rename it, or set another index folder in doublon.config.json.`,
        { cause: err },
      );
    }
    ensureFreeSpace(folder);
    handleOrphanCommitFailures();
    // LMDB trusts its file: a damaged one can crash the process (SIGSEGV, SIGBUS), so it is checked first.
    let recovery = guardEnvironment(folder, { indexDir: folder, store: 'images' }).recovery;
    for (let attempt = 0; ; attempt++) {
      let root: RootDatabase | undefined;
      try {
        root = open({
          path: folder,
          noSubdir: false,
          maxDbs: 8,
          encoding: 'msgpack',
          ...INITIAL_MAP,
          ...(options.sync === false ? { noSync: true } : {}),
        });
        const filesDb = root.openDB<FileRecord, string>({ name: 'files', encoding: 'msgpack' });
        const contentsDb = root.openDB<ContentRecord<F>, string>({ name: 'contents', encoding: 'msgpack' });
        const shaDb = root.openDB<string, string>({ name: 'sha', dupSort: true, encoding: 'ordered-binary' });
        const metaDb = root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
        const stored = metaDb.get(FORMAT_KEY) as Format | undefined;
        let reason = recovery ? `the stored index could not be read (${recovery.reason})` : undefined;
        if (stored && (stored.store !== STORE_FORMAT || stored.schema !== schema)) {
          reason =
            stored.store !== STORE_FORMAT
              ? `index format ${STORE_FORMAT} differs from the stored ${stored.store}`
              : `schema version ${schema} differs from the stored ${stored.schema}`;
        } else if (!stored && filesDb.getCount() + contentsDb.getCount() > 0) {
          reason = 'the stored index has no version';
        }
        if (!stored || reason) {
          const clock = metaDb.get(CLOCK_KEY) as number | undefined;
          root.transactionSync(() => {
            filesDb.clearSync();
            contentsDb.clearSync();
            shaDb.clearSync();
            metaDb.clearSync();
            metaDb.putSync(FORMAT_KEY, { store: STORE_FORMAT, schema } satisfies Format);
            if (clock !== undefined) metaDb.putSync(CLOCK_KEY, clock);
          });
        }
        // LMDB creates its files 0664 less the umask; an older index may be 0644 throughout.
        tightenIndexDir(folder);
        return new IndexStore<F>(folder, root, filesDb, contentsDb, shaDb, metaDb, reason, recovery);
      } catch (err) {
        try {
          void root?.close();
        } catch {
          // already failing
        }
        const text = message(err);
        // Not an LMDB environment, or one written with incompatible flags: it is a cache, start afresh once.
        if (attempt === 0 && /MDB_INVALID|MDB_VERSION_MISMATCH|MDB_INCOMPATIBLE|MDB_CORRUPTED|MDB_PAGE_NOTFOUND/.test(text)) {
          recovery = { store: 'images', reason: text, movedTo: moveAside(folder, folder) };
          continue;
        }
        if (err instanceof DiskFullError) throw err;
        const failure = writeFailure(err, folder);
        if (failure instanceof DiskFullError) throw failure;
        throw new Error(`Cannot open the Doublon index in ${folder}: ${text}`, { cause: err });
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Files

  getFile(filePath: string): FileRecord | undefined {
    this.checkOpen();
    const pending = this.fileOverlay.get(filePath);
    if (pending) return pending.value ? { ...pending.value } : undefined;
    return this.filesDb.get(filePath);
  }

  putFile(rec: FileRecord): void {
    this.checkWritable();
    if (typeof rec?.path !== 'string' || rec.path === '')
      throw new TypeError(`IndexStore.putFile: expected a non-empty string for path but received ${JSON.stringify(rec?.path)}`);
    const bytes = Buffer.byteLength(rec.path);
    if (bytes > MAX_PATH_BYTES)
      throw new RangeError(
        `IndexStore.putFile: path of ${bytes} bytes is longer than the ${MAX_PATH_BYTES} bytes the index can key: ${rec.path.slice(0, 80)}…`,
      );
    if (rec.sha256 !== undefined && typeof rec.sha256 !== 'string')
      throw new TypeError(`IndexStore.putFile: expected a string for sha256 but received ${typeof rec.sha256}`);
    const value: FileRecord = { ...rec };
    for (const k of Object.keys(value) as (keyof FileRecord)[]) if (value[k] === undefined) delete value[k];
    this.setFilePending(rec.path, value);
  }

  removeFile(filePath: string): void {
    this.checkWritable();
    if (this.getFile(filePath) === undefined) return;
    this.setFilePending(filePath, null);
  }

  /**
   * Every file record, or those under a folder (`prefix` is a folder path; '/a/b' matches '/a/b/x.png', not
   * '/a/bc.png'). Committed records come in key order, then pending ones. Both views are taken at the first
   * step; spread it (`[...store.files()]`) before awaiting inside the loop.
   */
  /** The paths of every file record, without decoding the records (a warm rescan's removal check). */
  *filePaths(): Iterable<string> {
    this.checkOpen();
    const overlay = new Map<string, boolean>();
    for (const [key, p] of this.fileOverlay) overlay.set(key, p.value !== null);
    for (const key of this.filesDb.getKeys()) {
      if (overlay.has(key)) {
        if (overlay.get(key)) yield key;
        overlay.delete(key);
      } else yield key;
    }
    for (const [key, present] of overlay) if (present) yield key;
  }

  *files(prefix?: string): Iterable<FileRecord> {
    this.checkOpen();
    const range = prefix === undefined ? undefined : folderRange(prefix);
    const overlay = new Map<string, FileRecord | null>();
    for (const [key, p] of this.fileOverlay) if (inRange(key, range)) overlay.set(key, p.value);
    for (const { key, value } of this.filesDb.getRange(range ?? {})) {
      if (overlay.has(key)) {
        const pending = overlay.get(key);
        overlay.delete(key);
        if (pending) yield { ...pending };
      } else {
        yield value;
      }
    }
    for (const value of overlay.values()) if (value) yield { ...value };
  }

  /** Paths of the file records whose sha256 is this one. */
  pathsWithSha(sha256: string): string[] {
    this.checkOpen();
    const out = new Set<string>();
    for (const p of this.shaDb.getValues(sha256)) {
      const pending = this.fileOverlay.get(p);
      if (!pending || pending.value?.sha256 === sha256) out.add(p);
    }
    for (const p of this.pendingBySha.get(sha256) ?? []) out.add(p);
    return [...out];
  }

  // ------------------------------------------------------------------------------------------------------
  // Contents

  getContent(sha256: string): ContentRecord<F> | undefined {
    this.checkOpen();
    const pending = this.contentOverlay.get(sha256);
    if (pending) return pending.value ? { ...pending.value } : undefined;
    return this.contentsDb.get(sha256);
  }

  putContent(rec: ContentRecord<F>): void {
    this.checkWritable();
    if (typeof rec?.sha256 !== 'string' || rec.sha256 === '')
      throw new TypeError(`IndexStore.putContent: expected a non-empty string for sha256 but received ${JSON.stringify(rec?.sha256)}`);
    const value: ContentRecord<F> = { ...rec };
    for (const k of Object.keys(value) as (keyof ContentRecord<F>)[]) if (value[k] === undefined) delete value[k];
    this.setPending(this.contentOverlay, 'contents', rec.sha256, value);
  }

  /** Drops the content records no file record points at; returns how many. */
  removeUnusedContent(): number {
    this.checkWritable();
    const shas = new Set<string>();
    for (const key of this.contentsDb.getKeys()) shas.add(key);
    for (const [key, p] of this.contentOverlay) {
      if (p.value) shas.add(key);
      else shas.delete(key);
    }
    let removed = 0;
    for (const sha of shas) {
      if (this.pathsWithSha(sha).length > 0) continue;
      this.setPending(this.contentOverlay, 'contents', sha, null);
      removed++;
    }
    return removed;
  }

  // ------------------------------------------------------------------------------------------------------
  // Meta and clock

  getMeta<T>(key: string): T | undefined {
    this.checkOpen();
    const pending = this.metaOverlay.get(key);
    if (pending) return (pending.value ?? undefined) as T | undefined;
    return this.metaDb.get(key) as T | undefined;
  }

  /** Stores a small value (undefined removes it). Keys starting with '$' are the store's own. */
  putMeta(key: string, value: unknown): void {
    this.checkWritable();
    if (typeof key !== 'string' || key === '' || key.startsWith('$'))
      throw new RangeError(`IndexStore.putMeta: expected a non-empty key not starting with '$' but received ${JSON.stringify(key)}`);
    this.setPending(this.metaOverlay, 'meta', key, value === undefined ? null : value);
  }

  /** The index's monotonic clock: advanced by every change the scanner commits, persisted, never reset. */
  get clock(): number {
    return this.clockValue;
  }

  /**
   * Carries a clock over to a store that replaces another (a damaged index rebuilt under a running daemon):
   * clients' clocks stay comparable. Never moves it back.
   */
  raiseClock(atLeast: number): void {
    this.checkWritable();
    if (atLeast <= this.clockValue) return;
    this.clockValue = atLeast;
    this.setPending(this.metaOverlay, 'meta', CLOCK_KEY, this.clockValue);
  }

  advanceClock(): number {
    this.checkWritable();
    this.clockValue++;
    this.setPending(this.metaOverlay, 'meta', CLOCK_KEY, this.clockValue);
    return this.clockValue;
  }

  // ------------------------------------------------------------------------------------------------------
  // Lifecycle

  /** Resolves when every write made so far is committed and synced to disk; rejects if a write failed. */
  async flushed(): Promise<void> {
    await Promise.race([this.lastCommit, this.failure]);
    if (!this.writeError) {
      try {
        await Promise.race([this.root.flushed, this.failure]);
      } catch (err) {
        this.failed(err);
      }
    }
    if (this.writeError) throw this.writeError;
  }

  /** Hands LMDB's error behind a failed commit (the `commitError` promise lmdb-js rejects) to `onCommitError`. */
  commitFailedWith(commitError: unknown): void {
    if (commitError instanceof Promise) commitError.catch((error: unknown) => this.onCommitError?.(error));
  }

  /** Records a failed write (the first one says why); every later write and flush throws it. */
  failed(error: unknown): void {
    this.writeError ??= writeFailure(error, this.dir);
    this.signalFailure();
  }

  /**
   * Closes the environment. After a clean close (every write committed) the index is sealed: the next open
   * trusts it without walking it (integrity.ts).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flushed();
    } finally {
      this.closed = true;
      openStores.delete(this);
      // After a failed commit lmdb-js may wait forever for the writes it lost: do not wait for them.
      if (this.writeError) this.environmentClosed = this.root.close().catch(() => undefined);
      else {
        await this.root.close();
        writeSeal(this.dir);
      }
    }
  }

  /**
   * Resolves when LMDB has let the environment go, after `close` (which does not wait for that after a
   * failed commit). Opening the same folder again before then would share the old environment (lmdb-js
   * keeps one per path): a daemon replacing a damaged index waits for it, bounded.
   */
  released(): Promise<void> {
    return this.environmentClosed;
  }

  /** Checks the file ↔ sha index invariant; returns the problems found (none in a healthy index). */
  verify(): string[] {
    this.checkOpen();
    const problems: string[] = [];
    for (const rec of this.files()) {
      if (rec.sha256 && !this.pathsWithSha(rec.sha256).includes(rec.path))
        problems.push(`${rec.path}: sha ${rec.sha256} has no index entry`);
    }
    for (const { key: sha, value: p } of this.shaDb.getRange({})) {
      if (this.fileOverlay.has(p)) continue; // superseded by a pending write
      const rec = this.filesDb.get(p);
      if (!rec) problems.push(`sha index ${sha} → ${p}: no such file record`);
      else if (rec.sha256 !== sha) problems.push(`sha index ${sha} → ${p}: the record says ${rec.sha256 ?? 'no sha'}`);
    }
    return problems;
  }

  // ------------------------------------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new Error(`The Doublon index in ${this.dir} is closed`);
  }

  /**
   * After a failed commit (a full disk) every later write fails at once with the same error: a scan stops.
   * So does a write on a nearly full disk (disk.ts writeRefusal; the free space read at most every
   * SPACE_CHECK_MS): it is refused before LMDB makes it.
   */
  private checkWritable(): void {
    this.checkOpen();
    if (this.writeError) throw this.writeError;
    const now = performance.now();
    if (now - this.spaceCheckedAt < SPACE_CHECK_MS) return;
    this.spaceCheckedAt = now;
    const refusal = writeRefusal(this.dir);
    if (!refusal) return;
    this.writeError = refusal;
    this.signalFailure();
    throw refusal;
  }

  private setFilePending(filePath: string, value: FileRecord | null): void {
    const old = this.getFile(filePath);
    if (old?.sha256) this.unlinkPendingSha(old.sha256, filePath);
    if (value?.sha256) {
      const set = this.pendingBySha.get(value.sha256);
      if (set) set.add(filePath);
      else this.pendingBySha.set(value.sha256, new Set([filePath]));
    }
    const seq = ++this.seq;
    this.fileOverlay.set(filePath, { value, seq });
    // One atomic batch: the record and its sha entries commit together or not at all.
    // The operations' own promises fail with the batch's: the batch promise reports it (track).
    const commit = this.root.batch(() => {
      if (old?.sha256 && old.sha256 !== value?.sha256) settled(this.shaDb.remove(old.sha256, filePath));
      if (value) {
        settled(this.filesDb.put(filePath, value));
        if (value.sha256) settled(this.shaDb.put(value.sha256, filePath)); // idempotent; repairs a missing entry
      } else {
        settled(this.filesDb.remove(filePath));
      }
    });
    this.track(commit, { db: 'files', key: filePath, seq, value });
  }

  private unlinkPendingSha(sha: string, filePath: string): void {
    const set = this.pendingBySha.get(sha);
    if (!set) return;
    set.delete(filePath);
    if (set.size === 0) this.pendingBySha.delete(sha);
  }

  private setPending<T>(overlay: Map<string, Pending<T>>, db: 'contents' | 'meta', key: string, value: T | null): void {
    const seq = ++this.seq;
    overlay.set(key, { value, seq });
    const target: Database<unknown, string> = db === 'contents' ? this.contentsDb : this.metaDb;
    const commit = value === null ? target.remove(key) : target.put(key, value);
    this.track(commit, { db, key, seq, value } as Op);
  }

  /** Groups operations by the lmdb-js commit they joined (one promise per transaction). */
  private track(commit: Promise<unknown>, op: Op): void {
    if (commit !== this.groupCommit) {
      // Each put may return its own promise: a failed commit rejects them all, reported once below.
      settled(commit);
      const group: Op[] = [];
      this.groupCommit = commit;
      this.group = group;
      this.lastCommit = commit.then(
        () => this.committed(group),
        (err: unknown) => {
          // lmdb-js rejects with "Commit failed" and rejects `commitError` with LMDB's own error after it.
          const cause = (err as { commitError?: Promise<unknown> } | undefined)?.commitError;
          if (cause instanceof Promise) settled(cause);
          this.failed(err);
          this.commitFailedWith(cause);
        },
      );
    }
    this.group.push(op);
  }

  /** After the commit: overlay entries not overwritten since are now answered by LMDB. */
  private committed(ops: Op[]): void {
    for (const op of ops) {
      const overlay: Map<string, Pending<unknown>> = op.db === 'files'
        ? this.fileOverlay
        : op.db === 'contents'
          ? this.contentOverlay
          : this.metaOverlay;
      const pending = overlay.get(op.key);
      if (!pending || pending.seq !== op.seq) continue;
      overlay.delete(op.key);
      if (op.db === 'files' && op.value?.sha256) this.unlinkPendingSha(op.value.sha256, op.key);
    }
  }
}
