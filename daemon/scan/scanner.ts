/**
 * Brings the index up to date with the files on disk: crawl, then for each new or changed file (size,
 * mtime or inode differ) read it, hash its bytes and decode it only if that content was never seen
 * (content-addressed: copies and renames cost one SHA-256). Vanished files are dropped.
 */
import * as fs from 'node:fs';
import { fingerprint, sha256, ImageDecodeError, type DecodeOptions, type Fingerprint } from '../hash';
import type { FileRecord, IndexStore } from '../index/store';
import { isSameVersion } from '../fs/file-version';
import { crawl, describeFsError, type CrawlError, type CrawlOptions, type FileStat } from './crawl';

export interface ScanProgress {
  phase: 'crawl' | 'hash';
  done: number;
  total: number;
}

export interface ScanStats {
  files: number;
  unchanged: number;
  /** Files whose bytes were read and hashed. */
  read: number;
  /** Contents decoded and fingerprinted (new to the index). */
  decoded: number;
  removed: number;
  errors: number;
  elapsedMs: number;
}

export interface ScanOptions extends CrawlOptions {
  maxPixels: number;
  /** SVG files above this many bytes are refused (default: the decoder's). */
  maxSvgBytes?: number;
  /** Images decoded at once; throughput comes from images in flight, not from libvips threads. */
  concurrency?: number;
  onProgress?: (progress: ScanProgress) => void;
}

export interface ScanOutcome {
  stats: ScanStats;
  crawlErrors: CrawlError[];
  /** Source files found by the crawl (when `sources` globs were given), for the reference index. */
  sources: FileStat[];
  /** The record of every image file now under the roots (so callers need not read them again). */
  records: FileRecord[];
}

export const DEFAULT_CONCURRENCY = 4;

/** What a content record tells a file record: its dimensions, or why it did not decode. */
interface ContentSummary {
  image?: FileRecord['image'];
  error?: string;
}

/** Contents summarised at most per scan: past it the cache starts afresh (memory stays bounded). */
const MAX_SUMMARIES = 10_000;
/** A worker keeps a read buffer up to this size; larger files get a buffer of their own. */
const MAX_KEPT_BUFFER = 4 << 20;

function openFile(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'r', (error, fd) => (error ? reject(error) : resolve(fd))));
}

function readAt(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buffer, offset, length, position, (error, n) => (error ? reject(error) : resolve(n))),
  );
}

function sizeOf(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fs.fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats.size))));
}

function closeFile(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

/**
 * Reads whole files into one reused buffer: fs.promises.readFile allocated a FileHandle and a fresh
 * buffer per file (100 000 files: gigabytes of short-lived buffers and ~1 KB of objects each, which kept
 * the heap and the allocator's arenas large). The bytes returned are valid until the next read.
 */
export class FileReader {
  private buffer = Buffer.allocUnsafeSlow(64 << 10);

  /** The file's bytes; `expected` (its size at the last stat) saves a read to find the end (else it is asked). */
  async read(file: string, expected?: number): Promise<Buffer> {
    const fd = await openFile(file);
    try {
      expected ??= await sizeOf(fd);
      let buffer = this.buffer.length > expected ? this.buffer : Buffer.allocUnsafeSlow(expected + 1);
      let length = 0;
      for (;;) {
        if (length === buffer.length) {
          const larger = Buffer.allocUnsafeSlow(buffer.length * 2);
          buffer.copy(larger, 0, 0, length);
          buffer = larger;
        }
        const wanted = buffer.length - length;
        const n = await readAt(fd, buffer, length, wanted, length);
        length += n;
        // A short read at the stat's size is the end of the file (a changed size: read until 0 bytes).
        if (n === 0 || (n < wanted && length === expected)) break;
      }
      if (buffer !== this.buffer && buffer.length <= MAX_KEPT_BUFFER) this.buffer = buffer;
      return buffer.subarray(0, length);
    } finally {
      await closeFile(fd);
    }
  }
}

/** Reuse across the files of one scan. */
export interface IndexContext {
  reader: FileReader;
  /** sha256 → summary of the contents this scan already looked up (many files share few contents). */
  contents: Map<string, ContentSummary>;
  /** sha256 → the decode under way: a second copy met meanwhile waits for it instead of decoding again. */
  decoding?: Map<string, Promise<ContentSummary>>;
}

/** Reads, hashes and (if the content is new) fingerprints one file, and records the result. */
export async function indexFile(
  store: IndexStore<Fingerprint>,
  stat: FileStat,
  limits: DecodeOptions,
  context?: IndexContext,
): Promise<{ decoded: boolean; error?: string; record: FileRecord }> {
  let bytes: Buffer;
  try {
    bytes = context ? await context.reader.read(stat.path, stat.size) : await fs.promises.readFile(stat.path);
  } catch (error) {
    const message = `cannot read file: ${describeFsError(error)}`;
    const record: FileRecord = { ...stat, error: message };
    store.putFile(record);
    return { decoded: false, error: message, record };
  }
  const digest = sha256(bytes);
  let summary = context?.contents.get(digest);
  let decoded = false;
  if (!summary) {
    const pending = context?.decoding?.get(digest);
    if (pending) summary = await pending;
    else {
      const lookup = (async (): Promise<ContentSummary> => {
        let content = store.getContent(digest);
        if (!content) {
          decoded = true;
          try {
            content = { sha256: digest, bytes: bytes.length, fingerprint: await fingerprint(bytes, limits) };
          } catch (error) {
            if (!(error instanceof ImageDecodeError)) throw error;
            content = { sha256: digest, bytes: bytes.length, error: error.message };
          }
          store.putContent(content);
        }
        const fp = content.fingerprint;
        return fp ? { image: { width: fp.width, height: fp.height, lossless: fp.lossless } } : { error: content.error };
      })();
      context?.decoding?.set(digest, lookup);
      try {
        summary = await lookup;
      } finally {
        context?.decoding?.delete(digest);
      }
      if (context) {
        if (context.contents.size >= MAX_SUMMARIES) context.contents.clear();
        context.contents.set(digest, summary);
      }
    }
  }
  // The record keeps the stat taken before reading: if the file changes meanwhile, the next scan sees it.
  const record: FileRecord = {
    path: stat.path,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    ino: stat.ino,
    sha256: digest,
    ...(summary.image ? { image: summary.image } : {}),
  };
  store.putFile(record);
  return { decoded, error: summary.error, record };
}

/**
 * Readers lent one at a time, so that reading files for decodes that run concurrently reuses a few
 * buffers instead of allocating one per file (what keeps the allocator's arenas small, see FileReader).
 */
export class ReaderPool {
  private readonly idle: FileReader[] = [];

  /** Runs `use` on the bytes of `file`; they are valid until `use`'s promise settles. */
  async withBytes<T>(file: string, use: (bytes: Buffer) => Promise<T>, expected?: number): Promise<T> {
    const reader = this.idle.pop() ?? new FileReader();
    try {
      return await use(await reader.read(file, expected));
    } finally {
      this.idle.push(reader);
    }
  }
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function updateIndex(store: IndexStore<Fingerprint>, options: ScanOptions): Promise<ScanOutcome> {
  const started = performance.now();
  options.onProgress?.({ phase: 'crawl', done: 0, total: 0 });
  const { files, sources, errors: crawlErrors } = await crawl(options);
  const stats: ScanStats = { files: files.length, unchanged: 0, read: 0, decoded: 0, removed: 0, errors: 0, elapsedMs: 0 };

  const records: FileRecord[] = [];
  const changed = files.filter((stat) => {
    const record = store.getFile(stat.path);
    if (!isSameVersion(record, stat)) return true;
    stats.unchanged++;
    records.push(record!);
    // A record without image data is a file that could not be read or decoded (or one from an older version).
    if (record!.error || (!record!.image && record!.sha256 && store.getContent(record!.sha256)?.error)) stats.errors++;
    return false;
  });

  let done = 0;
  options.onProgress?.({ phase: 'hash', done, total: changed.length });
  const readers: FileReader[] = [];
  const contents = new Map<string, ContentSummary>();
  const decoding = new Map<string, Promise<ContentSummary>>();
  await forEachLimited(changed, options.concurrency ?? DEFAULT_CONCURRENCY, async (stat) => {
    const reader = readers.pop() ?? new FileReader();
    const result = await indexFile(
      store,
      stat,
      { maxPixels: options.maxPixels, maxSvgBytes: options.maxSvgBytes },
      { reader, contents, decoding },
    ).finally(() => readers.push(reader));
    records.push(result.record);
    stats.read++;
    if (result.decoded) stats.decoded++;
    if (result.error) stats.errors++;
    options.onProgress?.({ phase: 'hash', done: ++done, total: changed.length });
  });

  const present = new Set(files.map((f) => f.path));
  // Walked, not copied: filePaths() reads a snapshot (removals go to the pending overlay), and an array of
  // every path was 100 000 strings held at the scan's peak.
  for (const file of store.filePaths()) {
    if (!present.has(file)) {
      store.removeFile(file);
      stats.removed++;
    }
  }
  if (stats.read > 0 || stats.removed > 0) {
    store.removeUnusedContent();
    store.advanceClock();
  }
  await store.flushed();
  stats.elapsedMs = performance.now() - started;
  return { stats, crawlErrors, sources, records };
}
