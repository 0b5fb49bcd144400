/**
 * One full pass of the core engine: bring the index up to date, then group the duplicates. This is what
 * `doublon scan` and `doublon check` run when no daemon is serving the index.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from './config/load';
import { DEFAULT_NEAR_THRESHOLDS, pixelDigest, type Fingerprint, type NearThresholds } from './hash';
import { IndexStore, type FileRecord } from './index/store';
import { groupsFromGraph, type DuplicateGroup, type ImageEntry } from './groups/build';
import { SimilarityGraph, type GraphOptions, type GraphSnapshot } from './groups/pairs';
import { CanonicalChooser } from './groups/canonical';
import { globMatcher } from './scan/filter';
import { updateIndex, type ScanProgress, type ScanStats } from './scan/scanner';
import { ReferenceStore, type ImageReference } from './references/store';
import { updateReferences, variantSets } from './references/update';
import type { ResolveOptions } from './refs';

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
}

export interface AnalyseOptions {
  onProgress?: (progress: ScanProgress) => void;
  concurrency?: number;
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

/** The grouping view of one file record: an image entry, or the reason it is not one. */
export function toEntry(store: IndexStore<Fingerprint>, config: ResolvedConfig, record: FileRecord, references: (path: string) => number): ImageEntry | FileProblem {
  if (record.error || !record.sha256) return { path: record.path, message: record.error ?? 'not read' };
  const sha256 = record.sha256;
  let image = record.image;
  let loaded: Fingerprint | undefined;
  if (!image) {
    // A record from before `image` existed: read the content now.
    const content = store.getContent(sha256);
    if (!content?.fingerprint) return { path: record.path, message: content?.error ?? 'not decoded yet' };
    loaded = content.fingerprint;
    image = { width: loaded.width, height: loaded.height, lossless: loaded.lossless };
  }
  return {
    path: record.path,
    relativePath: toPosix(path.relative(config.baseDir, record.path)),
    bytes: record.size,
    width: image.width,
    height: image.height,
    lossless: image.lossless,
    mtimeMs: record.mtimeMs,
    references: references(record.path),
    sha256,
    // Decoded from the index only when something compares pixels (a new content, a chained member).
    get fingerprint(): Fingerprint {
      loaded ??= store.getContent(sha256)?.fingerprint;
      if (!loaded) throw new Error(`the index has no fingerprint for ${record.path} (${sha256})`);
      return loaded;
    },
  };
}

export function isEntry(value: ImageEntry | FileProblem): value is ImageEntry {
  return 'sha256' in value;
}

/** Images in the index that decoded, plus the files that did not. */
export function collectEntries(store: IndexStore<Fingerprint>, config: ResolvedConfig, references: (path: string) => number, records: Iterable<FileRecord> = store.files()): { entries: ImageEntry[]; errors: FileProblem[] } {
  const entries: ImageEntry[] = [];
  const errors: FileProblem[] = [];
  for (const record of records) {
    const entry = toEntry(store, config, record, references);
    if (isEntry(entry)) entries.push(entry);
    else errors.push(entry);
  }
  return { entries, errors };
}

/** Pixel digests are cached in the content record: a full decode is paid once per content, ever. */
export function pixelDigestCache(store: IndexStore<Fingerprint>, maxPixels: number): (sha: string, file: string) => Promise<string | undefined> {
  return async (sha, file) => {
    const content = store.getContent(sha);
    if (content?.pixelDigest) return content.pixelDigest;
    try {
      const bytes = await fs.promises.readFile(file);
      const digest = await pixelDigest(bytes, { maxPixels });
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
  return new CanonicalChooser(config.settings.canonical.rules, (p) => (pinned.has(p) ? 2 : preferred(p) ? 1 : 0));
}

/** The ignore settings of a config in the form grouping takes. */
/** The ignore settings of a config in the form grouping takes; `variants` (srcset, <picture>) are distinct too. */
export function ignoreOptions(config: ResolvedConfig, variants: string[][] = []): { ignoredFile: (relativePath: string) => boolean; distinctSets: string[][] } {
  const ignore = config.settings.ignore;
  return {
    ignoredFile: globMatcher(ignore.filter((e): e is string => typeof e === 'string')),
    distinctSets: [...ignore.flatMap((e) => (typeof e === 'string' ? [] : [e.paths.map((p) => path.resolve(config.baseDir, p))])), ...variants],
  };
}

export function resolveOptions(config: ResolvedConfig): ResolveOptions {
  return { roots: config.roots, webRoots: config.webRoots.filter((w) => fs.existsSync(w)) };
}

export function openReferences(config: ResolvedConfig): ReferenceStore {
  return ReferenceStore.open(config.indexDir);
}

const GRAPH_META = 'similarity-graph';

/** Options of a similarity graph over this index: digests and fingerprints read from it on demand. */
export function graphOptions(store: IndexStore<Fingerprint>, config: ResolvedConfig, pathOf: (sha256: string) => string | undefined): GraphOptions {
  const digest = pixelDigestCache(store, config.settings.maxPixels);
  return {
    thresholds: nearThresholds(config),
    pixelDigest: (sha) => {
      const file = pathOf(sha);
      return file ? digest(sha, file) : Promise.resolve(undefined);
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
export async function syncGraph(store: IndexStore<Fingerprint>, config: ResolvedConfig, entries: ImageEntry[]): Promise<SimilarityGraph> {
  const bySha = new Map<string, ImageEntry>();
  for (const entry of entries) if (!bySha.has(entry.sha256)) bySha.set(entry.sha256, entry);
  const graph = loadGraph(store, graphOptions(store, config, (sha) => bySha.get(sha)?.path));
  let changed = false;
  for (const sha of [...graph.contents()]) {
    if (!bySha.has(sha)) {
      graph.remove(sha);
      changed = true;
    }
  }
  for (const [sha, entry] of bySha) {
    if (graph.has(sha)) continue;
    await graph.add(sha, entry.fingerprint);
    changed = true;
  }
  if (changed) saveGraph(store, graph);
  return graph;
}

export async function groupIndex(store: IndexStore<Fingerprint>, config: ResolvedConfig, references: (path: string) => number = () => 0, variants: string[][] = [], records?: Iterable<FileRecord>): Promise<{ groups: DuplicateGroup[]; errors: FileProblem[] }> {
  const { entries, errors } = collectEntries(store, config, references, records);
  const graph = await syncGraph(store, config, entries);
  const groups = groupsFromGraph(entries, graph, {
    thresholds: nearThresholds(config),
    chooser: makeChooser(config),
    ...ignoreOptions(config, variants),
  });
  return { groups, errors };
}

export async function analyse(config: ResolvedConfig, options: AnalyseOptions = {}): Promise<Analysis> {
  const store = openIndex(config);
  const references = openReferences(config);
  try {
    const settings = config.settings;
    const { stats, crawlErrors, sources, records } = await updateIndex(store, {
      roots: config.roots,
      include: settings.include,
      exclude: settings.exclude,
      sources: settings.sources,
      gitignore: settings.gitignore,
      skipFolders: [config.indexDir],
      maxPixels: settings.maxPixels,
      concurrency: options.concurrency,
      onProgress: options.onProgress,
    });
    await updateReferences(references, sources, { resolve: resolveOptions(config), isImage: (p) => store.getFile(p) !== undefined });
    const { groups, errors } = await groupIndex(store, config, (p) => references.referenceCount(p), variantSets(references), records);
    await store.flushed();
    const found = new Map(groups.flatMap((g) => g.members.map((m) => [m.image.path, references.referencesTo(m.image.path)] as const)));
    return { groups, errors: [...crawlErrors, ...errors], stats, referencesOf: (p) => found.get(p) ?? [] };
  } finally {
    await references.close();
    await store.close();
  }
}
