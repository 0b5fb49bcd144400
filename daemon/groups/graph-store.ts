/** The similarity graph of an index: its options (digests and rasters read on demand), saved in the index and kept in sync. */
import { mayBePixelTwins, pixelDigest, type DecodeOptions, type Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { DEFAULT_CONCURRENCY, forEachLimited, ReaderPool } from '../scan/scanner';
import type { ImageEntry } from './build';
import { detailCache, exactCache, fineCache, type RasterCache } from './raster-cache';
import { nearThresholds, type GroupingConfig } from './options';
import { SimilarityGraph, type GraphOptions, type GraphSnapshot } from './similarity-graph';

/** Progress of grouping: new contents searched and verified. */
export interface GroupProgress {
  phase: 'group';
  done: number;
  total: number;
}

/** Pixel digests are cached in the content record: a full decode is paid once per content, ever. */
export function pixelDigestCache(
  store: IndexStore<Fingerprint>,
  limits: DecodeOptions,
): (sha: string, file: string) => Promise<string | undefined> {
  const readers = new ReaderPool();
  return async (sha, file) => {
    const content = store.getContent(sha);
    if (content?.pixelDigest) return content.pixelDigest;
    try {
      const digest = await readers.withBytes(file, (bytes) => pixelDigest(bytes, limits));
      if (content) store.putContent({ ...content, pixelDigest: digest });
      return digest;
    } catch {
      return undefined; // changed or vanished since indexing: the next scan will see it
    }
  };
}

const GRAPH_META = 'similarity-graph';

/** Options of a similarity graph over this index: digests and fingerprints read from it on demand. */
export function graphOptions(
  store: IndexStore<Fingerprint>,
  config: Pick<GroupingConfig, 'settings'>,
  pathOf: (sha256: string) => string | undefined,
): GraphOptions {
  const limits = { maxPixels: config.settings.maxPixels, maxSvgBytes: config.settings.maxSvgBytes };
  const digest = pixelDigestCache(store, limits);
  const detail = detailCache(config.settings.maxPixels);
  const exact = exactCache(limits);
  const fine = fineCache(config.settings.maxPixels);
  // A cache read by content: undefined when no file holds it any more.
  const byContent =
    <R>(cache: RasterCache<R>) =>
    (sha: string): Promise<R | undefined> => {
      const file = pathOf(sha);
      return file ? cache(sha, file) : Promise.resolve(undefined);
    };
  // Digests being computed: the prefetch runs while the graph is built, and both may ask for one content.
  const inFlight = new Map<string, Promise<string | undefined>>();
  return {
    thresholds: nearThresholds(config),
    pixelDigest: (sha) => {
      const file = pathOf(sha);
      if (!file) return Promise.resolve(undefined);
      let pending = inFlight.get(sha);
      if (!pending) {
        pending = digest(sha, file).finally(() => inFlight.delete(sha));
        inFlight.set(sha, pending);
      }
      return pending;
    },
    detail: byContent(detail),
    exact: byContent(exact),
    fine: byContent(fine),
    release: () => {
      detail.clear();
      exact.clear();
      fine.clear();
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
export async function syncGraph(
  store: IndexStore<Fingerprint>,
  config: Pick<GroupingConfig, 'settings'>,
  entries: ImageEntry[],
  onProgress?: (progress: GroupProgress) => void,
): Promise<SimilarityGraph> {
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
  const newcomers = [...bySha.values()]
    .filter((entry) => !graph.has(entry.sha256))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // The digests are decoded on libvips's threads while this thread builds the graph (both cores busy); the
  // graph awaits the one it needs, decoding it itself when the prefetch has not reached it yet.
  const prefetched = prefetchPixelDigests(newcomers, options.pixelDigest);
  let done = 0;
  onProgress?.({ phase: 'group', done, total: newcomers.length });
  for (const entry of newcomers) {
    await graph.add(entry.sha256, entry.fingerprint);
    changed = true;
    onProgress?.({ phase: 'group', done: ++done, total: newcomers.length });
  }
  await prefetched;
  if (changed) saveGraph(store, graph);
  return graph;
}

/**
 * Full decodes at once while digests are prefetched: 2 keep both cores busy (libvips runs one thread per
 * image here); 4 raised the photo scan's peak RSS by 30 MB. Their bytes are bounded with every other decode's
 * (hash/decode-budget.ts).
 */
const DIGESTS_IN_FLIGHT = Math.min(2, DEFAULT_CONCURRENCY);

/** Largest set of same-size lossless rasters whose hashes are compared pairwise for near-hash twins (bounds the prefetch's cost at n·256). */
const MAX_TWIN_GROUP = 256;

/**
 * The graph checks pixel identity (a full decode) only for contents that may be pixel twins (mayBePixelTwins:
 * the same size, and the same hash or two lossless rasters with nearly the same hash). Among newcomers those
 * are known before any search: decode them now, several at once on libvips's threads, instead of one at a
 * time as the graph meets them (a serial chain of decodes on a photo set full of lossless re-encodings). The
 * digests land in the index's content records, where the graph reads them.
 */
async function prefetchPixelDigests(newcomers: ImageEntry[], digest: (sha256: string) => Promise<string | undefined>): Promise<void> {
  const bySize = new Map<string, ImageEntry[]>();
  for (const entry of newcomers) {
    const size = `${entry.fingerprint.width}x${entry.fingerprint.height}`;
    const list = bySize.get(size);
    if (list) list.push(entry);
    else bySize.set(size, [entry]);
  }
  const wanted = new Set<string>();
  for (const group of bySize.values()) {
    if (group.length < 2) continue;
    const byHash = new Map<string, ImageEntry[]>();
    for (const entry of group) {
      const fp = entry.fingerprint;
      const hash = Buffer.from(fp.hash.buffer, fp.hash.byteOffset, fp.hash.byteLength).toString('hex');
      const list = byHash.get(hash);
      if (list) list.push(entry);
      else byHash.set(hash, [entry]);
    }
    // The same hash: twins unless both are JPEGs of other coding tables (mayBePixelTwins).
    for (const list of byHash.values()) {
      if (list.length < 2) continue;
      const head = list.slice(0, MAX_TWIN_GROUP);
      for (const entry of head)
        if (head.some((other) => other !== entry && mayBePixelTwins(entry.fingerprint, other.fingerprint))) wanted.add(entry.sha256);
    }
    const rasters = group.filter((entry) => entry.fingerprint.lossless && entry.fingerprint.format !== 'svg');
    if (rasters.length > MAX_TWIN_GROUP) continue;
    for (let i = 0; i < rasters.length; i++)
      for (let j = i + 1; j < rasters.length; j++)
        if (mayBePixelTwins(rasters[i].fingerprint, rasters[j].fingerprint)) {
          wanted.add(rasters[i].sha256);
          wanted.add(rasters[j].sha256);
        }
  }
  // In newcomer (path) order, as before: the order of the decodes does not change any digest.
  const ordered = newcomers.filter((entry) => wanted.has(entry.sha256)).map((entry) => entry.sha256);
  await forEachLimited(ordered, DIGESTS_IN_FLIGHT, async (sha) => {
    await digest(sha);
  });
}
