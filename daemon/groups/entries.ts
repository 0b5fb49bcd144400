/** The index's file records as grouping sees them: image entries, and the files that are not one. */
import type { Fingerprint } from '../hash';
import type { FileRecord, IndexStore } from '../index/store';
import { relativePosix } from '../scan/relative';
import type { ImageEntry } from './build';
import type { GroupingConfig } from './options';

export interface FileProblem {
  /** Absolute path. */
  path: string;
  message: string;
}

/**
 * An indexed image as grouping sees it. A class, not an object literal with a getter: 100 000 of these
 * stay alive through grouping and the report, and a literal with an accessor (plus its closure over the
 * store and the record) cost ~900 bytes each in dictionary mode, against ~100 here.
 */
class IndexedImage implements ImageEntry {
  #store: IndexStore<Fingerprint>;
  #loaded: Fingerprint | undefined;

  constructor(
    store: IndexStore<Fingerprint>,
    loaded: Fingerprint | undefined,
    readonly path: string,
    readonly relativePath: string,
    readonly bytes: number,
    readonly width: number,
    readonly height: number,
    readonly lossless: boolean,
    readonly mtimeMs: number,
    readonly references: number,
    readonly sha256: string,
  ) {
    this.#store = store;
    this.#loaded = loaded;
  }

  /** Decoded from the index only when something compares pixels (a new content, a chained member). */
  get fingerprint(): Fingerprint {
    this.#loaded ??= this.#store.getContent(this.sha256)?.fingerprint;
    if (!this.#loaded) throw new Error(`the index has no fingerprint for ${this.path} (${this.sha256})`);
    return this.#loaded;
  }
}

/** The grouping view of one file record: an image entry, or the reason it is not one. */
export function toEntry(
  store: IndexStore<Fingerprint>,
  config: Pick<GroupingConfig, 'baseDir'>,
  record: FileRecord,
  references: (path: string) => number,
  intern: (sha256: string) => string = (sha) => sha,
): ImageEntry | FileProblem {
  if (record.error || !record.sha256) return { path: record.path, message: record.error ?? 'not read' };
  const sha256 = intern(record.sha256);
  let image = record.image;
  let loaded: Fingerprint | undefined;
  if (!image) {
    // A record from before `image` existed: read the content now.
    const content = store.getContent(sha256);
    if (!content?.fingerprint) return { path: record.path, message: content?.error ?? 'not decoded yet' };
    loaded = content.fingerprint;
    image = { width: loaded.width, height: loaded.height, lossless: loaded.lossless };
  }
  return new IndexedImage(
    store,
    loaded,
    record.path,
    relativePosix(config.baseDir, record.path),
    record.size,
    image.width,
    image.height,
    image.lossless,
    record.mtimeMs,
    references(record.path),
    sha256,
  );
}

/**
 * A file that was read (its bytes have a sha256) but does not decode as an image. Same bytes are an exact
 * duplicate whatever the decoder says, so such files still form exact groups; the file is also reported
 * under errors, since it could not be compared with anything else. Empty files are left out: a placeholder
 * is not a copy of anything.
 */
class UndecodableFile implements ImageEntry {
  readonly undecodable = true;
  readonly width = 0;
  readonly height = 0;
  readonly lossless = false;

  constructor(
    readonly path: string,
    readonly relativePath: string,
    readonly bytes: number,
    readonly mtimeMs: number,
    readonly references: number,
    readonly sha256: string,
  ) {}

  get fingerprint(): Fingerprint {
    throw new Error(`${this.path} is not a decodable image`);
  }
}

export function isEntry(value: ImageEntry | FileProblem): value is ImageEntry {
  return 'sha256' in value;
}

/** Images in the index that decoded, plus the files that did not. */
export function collectEntries(
  store: IndexStore<Fingerprint>,
  config: Pick<GroupingConfig, 'baseDir'>,
  references: (path: string) => number,
  records: Iterable<FileRecord> = store.files(),
): { entries: ImageEntry[]; errors: FileProblem[] } {
  const entries: ImageEntry[] = [];
  const errors: FileProblem[] = [];
  // Many files share few contents: one string per sha256, not one per file.
  const shas = new Map<string, string>();
  const intern = (sha: string): string => {
    const known = shas.get(sha);
    if (known !== undefined) return known;
    shas.set(sha, sha);
    return sha;
  };
  for (const record of records) {
    const entry = toEntry(store, config, record, references, intern);
    if (isEntry(entry)) entries.push(entry);
    else {
      errors.push(entry);
      if (!record.error && record.sha256 && record.size > 0 && store.getContent(record.sha256)?.error) {
        entries.push(
          new UndecodableFile(
            record.path,
            relativePosix(config.baseDir, record.path),
            record.size,
            record.mtimeMs,
            references(record.path),
            intern(record.sha256),
          ),
        );
      }
    }
  }
  return { entries, errors };
}
