/* eslint-disable max-lines -- arch-dedup moves its helpers that service.ts uses to where they belong (issue 13). */
/**
 * One full pass of the core engine: bring the index up to date, then group the duplicates. This is what
 * `doublon scan` and `doublon check` run when no daemon is serving the index.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from './config/load';
import { DEFAULT_NEAR_THRESHOLDS, decodeDetail, pixelDigest, type DecodeOptions, type DetailRaster, type Fingerprint, type NearThresholds } from './hash';
import { IndexStore, type FileRecord } from './index/store';
import { describeRecovery } from './index/integrity';
import { starGroups, type DuplicateGroup, type ImageEntry } from './groups/build';
import { SimilarityGraph, type GraphOptions, type GraphSnapshot } from './groups/similarity-graph';
import { CanonicalChooser } from './groups/canonical';
import { VariantIndex, type DeclaredVariants } from './groups/variants';
import { globMatcher } from './scan/filter';
import { relativePosix } from './scan/relative';
import { DEFAULT_CONCURRENCY, forEachLimited, updateIndex, type ScanProgress, type ScanStats } from './scan/scanner';
import { describeScope, ReferenceStore, sourceMentionMayName, type ImageReference, type SourceMention } from './refstore/store';
import { updateReferences, variantSets } from './refstore/update';
import type { ResolveOptions } from './refs';
import { isSiteFile, libraryOf, scannedRoots } from './config/libraries';

export const SCHEMA_VERSION = 1;

export interface FileProblem {
  /** Absolute path. */
  path: string;
  message: string;
}

export interface Analysis {
  groups: DuplicateGroup[];
  errors: FileProblem[];
  stats: ScanStats;
  /** References to each group member (absolute paths), read before the index closed. */
  referencesOf: (imagePath: string) => ImageReference[];
  /** Unresolved template mentions that may name this image (daemon/refs mentionMayName). */
  mentionsOf: (imagePath: string) => SourceMention[];
}

/** Progress of a one-shot pass: the scan's phases, then grouping (new contents searched and verified). */
export type AnalyseProgress = ScanProgress | { phase: 'group'; done: number; total: number };

export interface AnalyseOptions {
  onProgress?: (progress: AnalyseProgress) => void;
  concurrency?: number;
  /** Called as each phase starts (benchmarks sample memory there). */
  onPhase?: (phase: AnalysePhase) => void;
  /** Told once what the user should know about the index itself (a damaged one moved aside and rebuilt). */
  onNotice?: (text: string) => void;
}

export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

export function nearThresholds(config: ResolvedConfig): NearThresholds {
  return { ...DEFAULT_NEAR_THRESHOLDS, nearSimilarity: config.settings.thresholds.nearSimilarity };
}

export function openIndex(config: ResolvedConfig): IndexStore<Fingerprint> {
  return IndexStore.open(config.indexDir, { schemaVersion: SCHEMA_VERSION });
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
export function toEntry(store: IndexStore<Fingerprint>, config: ResolvedConfig, record: FileRecord, references: (path: string) => number, intern: (sha256: string) => string = (sha) => sha): ImageEntry | FileProblem {
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
    store, loaded, record.path, relativePosix(config.baseDir, record.path), record.size,
    image.width, image.height, image.lossless, record.mtimeMs, references(record.path), sha256,
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
export function collectEntries(store: IndexStore<Fingerprint>, config: ResolvedConfig, references: (path: string) => number, records: Iterable<FileRecord> = store.files()): { entries: ImageEntry[]; errors: FileProblem[] } {
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
        entries.push(new UndecodableFile(record.path, relativePosix(config.baseDir, record.path), record.size, record.mtimeMs, references(record.path), intern(record.sha256)));
      }
    }
  }
  return { entries, errors };
}

/** Pixel digests are cached in the content record: a full decode is paid once per content, ever. */
export function pixelDigestCache(store: IndexStore<Fingerprint>, limits: DecodeOptions): (sha: string, file: string) => Promise<string | undefined> {
  return async (sha, file) => {
    const content = store.getContent(sha);
    if (content?.pixelDigest) return content.pixelDigest;
    try {
      const bytes = await fs.promises.readFile(file);
      const digest = await pixelDigest(bytes, limits);
      if (content) store.putContent({ ...content, pixelDigest: digest });
      return digest;
    } catch {
      return undefined; // changed or vanished since indexing: the next scan will see it
    }
  };
}

/** The canonical chooser of a config; `pinned` paths (relative to the config folder) outrank the preferred globs. */
export function makeChooser(config: ResolvedConfig, pinned: ReadonlySet<string> = new Set()): CanonicalChooser {
  const preferred = globMatcher(config.settings.canonical.preferred);
  // A shared library's copy is the canonical whatever the rules and pins say (config/libraries.ts).
  const inLibrary = (p: string): boolean => config.libraries.length > 0 && libraryOf(path.resolve(config.baseDir, p), config.libraries) !== undefined;
  return new CanonicalChooser(config.settings.canonical.rules, (p) => (inLibrary(p) ? 3 : pinned.has(p) ? 2 : preferred(p) ? 1 : 0));
}

/**
 * The ignore settings of a config in the form grouping takes, and the variants: `variants` (srcset,
 * <picture>, image-set(), icon sets: referenced together) and names by convention (logo@2x.png) stay in
 * their group, marked as variants (groups/variants.ts), instead of being split off as distinct.
 */
export function ignoreOptions(config: ResolvedConfig, variants: DeclaredVariants[] = []): { ignoredFile: (relativePath: string) => boolean; distinctSets: string[][]; variants: VariantIndex } {
  const ignore = config.settings.ignore;
  return {
    ignoredFile: globMatcher(ignore.filter((e): e is string => typeof e === 'string')),
    distinctSets: ignore.flatMap((e) => (typeof e === 'string' ? [] : [e.paths.map((p) => path.resolve(config.baseDir, p))])),
    variants: new VariantIndex(variants),
  };
}

export function resolveOptions(config: ResolvedConfig): ResolveOptions {
  return { roots: config.roots, webRoots: config.webRoots.filter((w) => fs.existsSync(w)), ...(config.libraries.length > 0 ? { libraries: config.libraries } : {}) };
}

export function openReferences(config: ResolvedConfig): ReferenceStore {
  return ReferenceStore.open(config.indexDir);
}

/**
 * How many references each referenced image has (`ReferenceStore.referenceCount`), in one pass over the
 * sources rather than one index lookup per image (100 000 lookups of nothing on a site without sources).
 */
export function referenceCounts(references: ReferenceStore): Map<string, number> {
  const counts = new Map<string, number>();
  for (const source of references.allSources()) {
    for (const reference of source.references) counts.set(reference.target, (counts.get(reference.target) ?? 0) + 1);
  }
  return counts;
}

/** `ReferenceStore.referencesTo` of each of `targets` that has references, in one pass over the sources. */
export function referencesToAll(references: ReferenceStore, targets: ReadonlySet<string>): Map<string, ImageReference[]> {
  const found = new Map<string, ImageReference[]>();
  for (const source of references.allSources()) {
    for (const reference of source.references) {
      if (!targets.has(reference.target)) continue;
      const list = found.get(reference.target);
      const entry = { ...reference, source: source.path };
      if (list) list.push(entry);
      else found.set(reference.target, [entry]);
    }
  }
  return found;
}

/** Detail rasters kept in memory (≤ 1 MB each, 512 px RGBA): a content's candidates are mostly verified while it is recent. */
const DETAIL_CACHE = 48;

/**
 * Detail rasters (hash/detail.ts) of contents, decoded on demand from a file holding each and kept for the
 * most recently used DETAIL_CACHE contents. Undefined when the file cannot be read or decoded any more.
 */
export function detailCache(maxPixels: number): (sha: string, file: string) => Promise<DetailRaster | undefined> {
  const cache = new Map<string, Promise<DetailRaster | undefined>>();
  return (sha, file) => {
    let raster = cache.get(sha);
    if (raster) cache.delete(sha);
    else {
      raster = fs.promises.readFile(file).then((bytes) => decodeDetail(bytes, maxPixels)).catch(() => undefined);
      if (cache.size >= DETAIL_CACHE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sha, raster);
    return raster;
  };
}

const GRAPH_META = 'similarity-graph';

/** Options of a similarity graph over this index: digests and fingerprints read from it on demand. */
export function graphOptions(store: IndexStore<Fingerprint>, config: ResolvedConfig, pathOf: (sha256: string) => string | undefined): GraphOptions {
  const digest = pixelDigestCache(store, { maxPixels: config.settings.maxPixels, maxSvgBytes: config.settings.maxSvgBytes });
  const detail = detailCache(config.settings.maxPixels);
  return {
    thresholds: nearThresholds(config),
    pixelDigest: (sha) => {
      const file = pathOf(sha);
      return file ? digest(sha, file) : Promise.resolve(undefined);
    },
    detail: (sha) => {
      const file = pathOf(sha);
      return file ? detail(sha, file) : Promise.resolve(undefined);
    },
    fingerprintOf: (sha) => store.getContent(sha)?.fingerprint,
  };
}

/** The graph saved in the index (when it was built with the same thresholds), else an empty one. */
export function loadGraph(store: IndexStore<Fingerprint>, options: GraphOptions): SimilarityGraph {
  return SimilarityGraph.restore(store.getMeta<GraphSnapshot>(GRAPH_META), options) ?? new SimilarityGraph(options);
}

export function saveGraph(store: IndexStore<Fingerprint>, graph: SimilarityGraph): void {
  store.putMeta(GRAPH_META, graph.snapshot());
}

/**
 * The similarity graph of the images' contents: the saved one, minus vanished contents, plus new ones
 * (only these are searched and verified), so an unchanged tree costs no search and no decoding.
 */
export async function syncGraph(store: IndexStore<Fingerprint>, config: ResolvedConfig, entries: ImageEntry[], onProgress?: (progress: AnalyseProgress) => void): Promise<SimilarityGraph> {
  const bySha = new Map<string, ImageEntry>();
  for (const entry of entries) {
    if (entry.undecodable) continue;
    const known = bySha.get(entry.sha256);
    if (!known || entry.path < known.path) bySha.set(entry.sha256, entry);
  }
  const options = graphOptions(store, config, (sha) => bySha.get(sha)?.path);
  const graph = loadGraph(store, options);
  let changed = false;
  for (const sha of [...graph.contents()]) {
    if (!bySha.has(sha)) {
      graph.remove(sha);
      changed = true;
    }
  }
  // Newcomers in path order: each verifies a bounded number of the contents before it, so the order must
  // not depend on which decode finished first (the same tree gives the same groups).
  const newcomers = [...bySha.values()].filter((entry) => !graph.has(entry.sha256)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await prefetchPixelDigests(newcomers, options.pixelDigest);
  let done = 0;
  onProgress?.({ phase: 'group', done, total: newcomers.length });
  for (const entry of newcomers) {
    await graph.add(entry.sha256, entry.fingerprint);
    changed = true;
    onProgress?.({ phase: 'group', done: ++done, total: newcomers.length });
  }
  if (changed) saveGraph(store, graph);
  return graph;
}

/** Full decodes at once while digests are prefetched: 2 keep both cores busy (libvips runs one thread per image here); 4 raised the photo scan's peak RSS by 30 MB. */
const DIGESTS_IN_FLIGHT = Math.min(2, DEFAULT_CONCURRENCY);

/**
 * The graph checks pixel identity (a full decode) only for contents with the same hash and dimensions.
 * Among newcomers those are known before any search: decode them now, several at once on libvips's
 * threads, instead of one at a time as the graph meets them (a serial chain of decodes on a photo set full
 * of lossless re-encodings). The digests land in the index's content records, where the graph reads them.
 */
async function prefetchPixelDigests(newcomers: ImageEntry[], digest: (sha256: string) => Promise<string | undefined>): Promise<void> {
  const byLook = new Map<string, string[]>();
  for (const entry of newcomers) {
    const fp = entry.fingerprint;
    const look = `${Buffer.from(fp.hash.buffer, fp.hash.byteOffset, fp.hash.byteLength).toString('hex')}:${fp.width}x${fp.height}`;
    const list = byLook.get(look);
    if (list) list.push(entry.sha256);
    else byLook.set(look, [entry.sha256]);
  }
  const wanted = [...byLook.values()].filter((list) => list.length > 1).flat();
  await forEachLimited(wanted, DIGESTS_IN_FLIGHT, async (sha) => {
    await digest(sha);
  });
}

export async function groupIndex(store: IndexStore<Fingerprint>, config: ResolvedConfig, references: (path: string) => number = () => 0, variants: DeclaredVariants[] = [], records?: Iterable<FileRecord>): Promise<{ groups: DuplicateGroup[]; errors: FileProblem[] }> {
  const { entries, errors } = collectEntries(store, config, references, records);
  return { groups: await groupEntries(store, config, entries, variants), errors };
}

/**
 * Groups collected entries (syncing the saved similarity graph with them first); the canonical–member pairs
 * the bounded search left unverified are verified on demand (groups/build.ts starGroups).
 */
export async function groupEntries(store: IndexStore<Fingerprint>, config: ResolvedConfig, entries: ImageEntry[], variants: DeclaredVariants[] = [], onProgress?: (progress: AnalyseProgress) => void): Promise<DuplicateGroup[]> {
  const graph = await syncGraph(store, config, entries, onProgress);
  const { groups, verified } = await starGroups(entries, graph, { thresholds: nearThresholds(config), chooser: makeChooser(config), ...ignoreOptions(config, variants) });
  // Pairs verified on demand are kept for the next run.
  if (verified) saveGraph(store, graph);
  // Copies inside a library outside the roots are the library's business, not this site's.
  return config.libraries.length === 0 ? groups : groups.filter((g) => g.members.some((m) => isSiteFile(m.image.path, config.libraries)));
}

export type AnalysePhase = 'index' | 'references' | 'group' | 'done';

export async function analyse(config: ResolvedConfig, options: AnalyseOptions = {}): Promise<Analysis> {
  const store = openIndex(config);
  let references: ReferenceStore;
  try {
    references = openReferences(config);
  } catch (error) {
    await store.close();
    throw error;
  }
  for (const recovery of [store.recovery, references.recovery]) if (recovery) options.onNotice?.(describeRecovery(recovery));
  try {
    const settings = config.settings;
    options.onPhase?.('index');
    const scan = await updateIndex(store, {
      roots: scannedRoots(config),
      include: settings.include,
      exclude: settings.exclude,
      sources: settings.sources,
      gitignore: settings.gitignore,
      skipFolders: [config.indexDir],
      maxPixels: settings.maxPixels,
      maxSvgBytes: settings.maxSvgBytes,
      concurrency: options.concurrency,
      onProgress: options.onProgress,
    });
    options.onPhase?.('references');
    await updateReferences(references, scan.sources, { resolve: resolveOptions(config), isImage: (p) => store.getFile(p) !== undefined });
    options.onPhase?.('group');
    const counts = referenceCounts(references);
    const collected = collectEntries(store, config, (p) => counts.get(p) ?? 0, scan.records);
    // The entries hold what grouping needs: let the scan's records (one object per file) go now.
    scan.records.length = 0;
    const groups = await groupEntries(store, config, collected.entries, variantSets(references), options.onProgress);
    collected.entries.length = 0;
    await store.flushed();
    const found = counts.size === 0 ? new Map<string, ImageReference[]>() : referencesToAll(references, new Set(groups.flatMap((g) => g.members.map((m) => m.image.path))));
    options.onPhase?.('done');
    const mentions = [...references.allSources()].flatMap((r) => (r.mentions ?? []).map((m) => ({ ...m, source: r.path })));
    return {
      groups, errors: [...scan.crawlErrors, ...collected.errors], stats: scan.stats, referencesOf: (p) => found.get(p) ?? [],
      mentionsOf: (p) => mentions.filter((m) => sourceMentionMayName(m, p)).map(describeScope),
    };
  } finally {
    await references.close();
    await store.close();
  }
}
