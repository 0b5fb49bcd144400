/** The similarity graph of an index: its options (digests and rasters read on demand), saved in the index and kept in sync. */
import { pixelDigest, type DecodeOptions, type Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { DEFAULT_CONCURRENCY, forEachWithinBudget, ReaderPool } from '../scan/scanner';
import type { ImageEntry } from './build';
import { detailCache } from './detail-cache';
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
 * Decoded pixels in flight while digests are prefetched: a second full decode starts only if both fit
 * (a 12-megapixel photo is 48 MB of RGBA).
 */
const DIGEST_BYTES_IN_FLIGHT = 64 << 20;

/**
 * The graph checks pixel identity (a full decode) only for contents with the same hash and dimensions.
 * Among newcomers those are known before any search: decode them now, several at once on libvips's
 * threads, instead of one at a time as the graph meets them (a serial chain of decodes on a photo set full
 * of lossless re-encodings). The digests land in the index's content records, where the graph reads them.
 */
async function prefetchPixelDigests(newcomers: ImageEntry[], digest: (sha256: string) => Promise<string | undefined>): Promise<void> {
  const byLook = new Map<string, string[]>();
  const rasterBytes = new Map<string, number>();
  for (const entry of newcomers) {
    const fp = entry.fingerprint;
    rasterBytes.set(entry.sha256, fp.width * fp.height * 4);
    const look = `${Buffer.from(fp.hash.buffer, fp.hash.byteOffset, fp.hash.byteLength).toString('hex')}:${fp.width}x${fp.height}`;
    const list = byLook.get(look);
    if (list) list.push(entry.sha256);
    else byLook.set(look, [entry.sha256]);
  }
  const wanted = [...byLook.values()].filter((list) => list.length > 1).flat();
  await forEachWithinBudget(
    wanted,
    DIGESTS_IN_FLIGHT,
    DIGEST_BYTES_IN_FLIGHT,
    (sha) => rasterBytes.get(sha) ?? 0,
    async (sha) => {
      await digest(sha);
    },
  );
}
