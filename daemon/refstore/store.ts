/**
 * The reference index: which source file references which image, where. Its own LMDB environment
 * (`<indexDir>/refs`) beside the image index: references are re-derivable from the sources, change at
 * another pace, and need no transaction shared with image records.
 *
 *   sources   source path → SourceRecord (its stat, and every reference found in it, resolved)
 *   targets   image path → source path (dupSort): who points at an image, without reading every source
 *
 * Checked before opening like the image index (integrity.ts): a damaged environment is moved aside and
 * started afresh (`recovery`). Writes are synchronous transactions: a failed one (a full disk) throws a
 * DiskFullError and leaves the last committed state.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { DiskFullError, ensureFreeSpace, writeFailure } from '../index/disk';
import { guardEnvironment, moveAside, writeSeal, type IndexRecovery } from '../index/integrity';
import { makePrivateDir, tightenIndexDir } from '../index/private';
import { literalLessMayName, mentionMayName, runtimeScopeOf, type ImageReference, type UnresolvedMention } from '../refs';

/**
 * 2: references keep their LSP range (as extracted) instead of flattened line/character fields.
 * 3: template references (kinds 'template-url', 'template-asset') and unresolved template mentions.
 */
export const REFERENCE_SCHEMA = 3;

/** A reference as stored under its source file (the source is the record's key). */
export type StoredReference = Omit<ImageReference, 'source'>;

export interface SourceRecord {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  references: StoredReference[];
  /** Why the file could not be read or parsed fully (references found before the problem are kept). */
  errors?: string[];
  /** Template expressions that may name an image but cannot be resolved statically. */
  mentions?: UnresolvedMention[];
}

/** An unresolved mention with the source file it sits in. */
export interface SourceMention extends UnresolvedMention {
  source: string;
}

export type { ImageReference };

/** How many sources putSource remembers the written bytes and targets of (a saved file is re-indexed again and again). */
const REMEMBERED_WRITES = 16;

export class ReferenceStore {
  /** A write failed: the environment is not sealed at close, so the next open walks it. */
  private failed = false;
  /**
   * The stored bytes and target set of the last records this store wrote. putSource needs the targets of the
   * record it replaces; when the stored bytes are still exactly those written (compared, not assumed: another
   * process may have written since), they are these targets, and the record is not decoded again.
   */
  private readonly written = new Map<string, { bytes: Buffer; targets: ReadonlySet<string> }>();

  private constructor(
    private readonly dir: string,
    private readonly root: RootDatabase,
    private readonly sources: Database<SourceRecord, string>,
    private readonly targets: Database<string, string>,
    /** Set when the stored references were damaged: why, and where they were moved. Tell the user. */
    readonly recovery: IndexRecovery | undefined,
  ) {}

  static open(indexDir: string): ReferenceStore {
    const dir = path.join(indexDir, 'refs');
    makePrivateDir(indexDir);
    makePrivateDir(dir);
    ensureFreeSpace(dir);
    let recovery = guardEnvironment(dir, { indexDir, store: 'references' }).recovery;
    for (let attempt = 0; ; attempt++) {
      let root: RootDatabase | undefined;
      try {
        // No fsync per commit (LMDB noSync): a re-index on a save would wait for one, tens of milliseconds on a
        // busy disk, for data re-derivable from the sources. A killed process loses nothing (the OS holds the
        // pages); the file is synced at close, before the seal. After a power loss the unsealed environment is
        // walked at the next open (guardEnvironment) and, if damaged, moved aside and rebuilt from the sources;
        // a record older than its source is read again (its stat differs). Deletions never rest on this index
        // alone: every file is searched for an image's name before it is removed (replace/mentions.ts).
        root = open({ path: dir, maxDbs: 4, noSync: true });
        const meta = root.openDB<number, string>({ name: 'meta' });
        const sources = root.openDB<SourceRecord, string>({ name: 'sources' });
        const targets = root.openDB<string, string>({ name: 'targets', dupSort: true, encoding: 'ordered-binary' });
        if (meta.get('schema') !== REFERENCE_SCHEMA) {
          // Another layout (or a fresh environment): references are cheap to re-derive, so start afresh.
          root.transactionSync(() => {
            sources.clearSync();
            targets.clearSync();
            meta.putSync('schema', REFERENCE_SCHEMA);
          });
        }
        tightenIndexDir(dir);
        return new ReferenceStore(dir, root, sources, targets, recovery);
      } catch (error) {
        try {
          void root?.close();
        } catch {
          // already failing
        }
        const text = (error as Error).message;
        if (attempt === 0 && /MDB_INVALID|MDB_VERSION_MISMATCH|MDB_INCOMPATIBLE|MDB_CORRUPTED|MDB_PAGE_NOTFOUND/.test(text)) {
          recovery = { store: 'references', reason: text, movedTo: moveAside(indexDir, dir) };
          continue;
        }
        const failure = writeFailure(error, dir);
        if (failure instanceof DiskFullError) throw failure;
        throw new Error(`cannot open the reference index in ${dir}: ${text}`, { cause: error });
      }
    }
  }

  /** Runs a write transaction; a failure is reported as a DiskFullError when the disk is full. */
  private write(transaction: () => void): void {
    try {
      this.root.transactionSync(transaction);
    } catch (error) {
      this.failed = true;
      throw writeFailure(error, this.dir);
    }
  }

  getSource(file: string): SourceRecord | undefined {
    return this.sources.get(file);
  }

  *allSources(): Iterable<SourceRecord> {
    for (const { value } of this.sources.getRange()) yield value;
  }

  /**
   * Replaces a source's record and its target index entries in one transaction. Only the targets that
   * changed are touched: a saved template usually names the same images as before.
   */
  putSource(record: SourceRecord): void {
    const after = new Set(record.references.map((r) => r.target));
    const remembered = this.written.get(record.path);
    this.written.delete(record.path);
    let bytes: Buffer | undefined;
    this.write(() => {
      // getBinary, not getBinaryFast: the fast one may hand back LMDB's whole shared buffer, longer than the record.
      const stored = remembered && this.sources.getBinary(record.path);
      const before =
        remembered && stored && stored.equals(remembered.bytes)
          ? remembered.targets
          : new Set(this.sources.get(record.path)?.references.map((r) => r.target));
      for (const target of before) if (!after.has(target)) this.targets.removeSync(target, record.path);
      this.sources.putSync(record.path, record);
      for (const target of after) if (!before.has(target)) this.targets.putSync(target, record.path);
      bytes = this.sources.getBinary(record.path);
    });
    // Remembered only once committed (a failed transaction threw above).
    if (bytes) {
      if (this.written.size >= REMEMBERED_WRITES) this.written.delete(this.written.keys().next().value!);
      this.written.set(record.path, { bytes, targets: after });
    }
  }

  removeSource(file: string): void {
    this.written.delete(file);
    this.write(() => {
      this.unindex(file);
      this.sources.removeSync(file);
    });
  }

  private unindex(file: string): void {
    const old = this.sources.get(file);
    if (!old) return;
    for (const target of new Set(old.references.map((r) => r.target))) this.targets.removeSync(target, file);
  }

  /** Source files that reference this image. */
  sourcesOf(target: string): string[] {
    return [...this.targets.getValues(target)];
  }

  /** Every reference to this image, with its source file. */
  referencesTo(target: string): ImageReference[] {
    const found: ImageReference[] = [];
    for (const source of this.sourcesOf(target)) {
      for (const reference of this.getSource(source)?.references ?? []) {
        if (reference.target === target) found.push({ ...reference, source });
      }
    }
    return found;
  }

  /**
   * Template mentions that may name this image (mentionMayName): an image they may name must not be
   * deleted. One pass over the sources that have mentions.
   */
  mentionsOf(image: string): SourceMention[] {
    const found: SourceMention[] = [];
    for (const record of this.allSources()) {
      for (const m of record.mentions ?? []) {
        const mention = { ...m, source: record.path };
        if (sourceMentionMayName(mention, image)) found.push(describeScope(mention));
      }
    }
    return found;
  }

  referenceCount(target: string): number {
    return this.referencesTo(target).length;
  }

  /** Closes the environment and, when every write succeeded, seals it (the next open need not walk it). */
  async close(): Promise<void> {
    await this.root.close();
    if (!this.failed) {
      syncFile(path.join(this.dir, 'data.mdb')); // commits are not synced one by one (noSync, see open)
      writeSeal(this.dir);
    }
  }
}

/** Whether a template mention may name this image: through its pattern, or, with no literal part, through where its values come from. */
export function sourceMentionMayName(mention: SourceMention, image: string): boolean {
  return mention.pattern !== undefined ? mentionMayName(mention, image) : literalLessMayName(mention.source, image);
}

/**
 * A mention with no literal part says in its pattern what it may name (the plan shows the pattern after
 * "may name"): every image of the theme or app, since its value is known only at run time.
 */
export function describeScope(mention: SourceMention): SourceMention {
  if (mention.pattern !== undefined) return mention;
  const scope = runtimeScopeOf(mention.source);
  if (scope === undefined) return mention;
  const where =
    scope === path.parse(scope).root
      ? 'any image: a value known only at run time, in a template of no known generator'
      : `any image under ${scope}: a value known only at run time (a database, a request)`;
  return { ...mention, pattern: where };
}

/** Flushes a file's written pages to disk (fsync); a file that cannot be opened has nothing to flush. */
function syncFile(file: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
  } catch {
    // missing or unreadable: the next open's integrity check decides
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
