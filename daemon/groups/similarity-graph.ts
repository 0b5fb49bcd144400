/* eslint-disable max-lines -- the graph, its incremental candidate search and its snapshot format are one data structure; candidate ranking and verification are already apart. */
/**
 * The similarity graph over distinct contents: candidates from the Hamming index (every query key of an
 * image within the candidate radius), then the hashing module's verification. Exact copies never get here:
 * they share a content. A pixel-identity check (a full decode) is paid only where it decides something:
 * hash distance 0 and the same dimensions. The graph is incremental so the daemon pays only for what
 * changed; the CLI adds every content once.
 *
 * Cost is linear: a newcomer verifies at most `maxVerifications` candidates, the nearest first (see
 * candidate-ranking.ts), and none whose answer is already implied — a candidate pixel-identical to one
 * already verified gets that one's verdict; a candidate in a component the newcomer already joined is
 * skipped (grouping measures members against their canonical); a component whose PER_COMPONENT nearest
 * members were verified different is taken as different. On a family of icons every icon is a candidate of
 * every other; without the bound verification was quadratic.
 *
 * Pairs verified different are remembered (`rejected`): a group is a star of members each verified against
 * its canonical, and never holds two contents verified different (groups/build.ts). Grouping asks for the
 * canonical–member pairs the bounded search left unverified through `verify`.
 */
import {
  candidateRadius,
  directQueryKeys,
  indexKeys,
  isGraphic,
  mayBePixelTwins,
  shapeKey,
  variantQueryKeys,
  variantRadius,
  verifyPair,
  VERIFICATION_RULES,
  type DetailRaster,
  type ExactRaster,
  type GreyRaster,
  type Fingerprint,
  type NearThresholds,
  type PixelSource,
} from '../hash';
import { HammingIndex } from '../search/hamming';
import { rankCandidates, type KeyHits } from './candidate-ranking';
import { Lookahead } from './lookahead';
import { GrowingUnionFind } from './union-find';

/**
 * Verifications per newcomer at most. The nearest candidates hold the true pairs: on the photo benchmark
 * and the real-world sets recall is the same from 8 up as with no bound (bench/bound.ts); 16 leaves margin
 * for images with many close look-alikes (one icon family, colour variants).
 */
export const MAX_VERIFICATIONS = 16;
/**
 * Members of one component (contents already joined by verified pairs) verified different from a newcomer
 * before the rest of it is taken as different too: one drawing in twenty sizes costs a newcomer of
 * another colour three verifications, not twenty, and leaves the budget for the component it belongs to.
 */
export const PER_COMPONENT = 3;
/** Candidates looked through for the one to verify ahead of its turn (likelyNext). */
const LOOKAHEAD_WINDOW = 4;
/** A graphic's candidates reordered by colour (sameColoursFirst): this many budgets' worth, the nearest. */
const COLOUR_WINDOW = 4;

/** Mean absolute difference of two chroma signatures (4×4 cells, Cb and Cr): only to order candidates. */
function colourGap(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

export interface SimilarPair {
  a: string;
  b: string;
  class: 'pixel' | 'near';
  similarity: number;
}

/** A verified pair's class and similarity, before it is named by its two contents. */
type Verdict = Omit<SimilarPair, 'a' | 'b'>;

export interface GraphOptions {
  thresholds: NearThresholds;
  /** The fingerprint of a content, for nodes restored from a snapshot (read from the index on demand). */
  fingerprintOf?: (sha256: string) => Fingerprint | undefined;
  /** The pixel digest of a content, computed on demand and cached by the caller; undefined if it cannot be decoded. */
  pixelDigest: (sha256: string) => Promise<string | undefined>;
  /** The detail raster of a content (verification of graphics at their own resolution), cached by the caller; undefined if it cannot be had. */
  detail?: (sha256: string) => Promise<DetailRaster | undefined>;
  /** The exact pixels of a content (the local-edit check of two lossless images of one size); undefined if they cannot be had. */
  exact?: (sha256: string) => Promise<ExactRaster | undefined>;
  /** The fine raster of a content (the replaced-content check of two partly drawn lossy pictures); undefined if it cannot be had. */
  fine?: (sha256: string) => Promise<GreyRaster | undefined>;
  /** Drops the pixels the sources above keep (their caches), when a batch of verifications is over. */
  release?: () => void;
  /** Verifications per newcomer at most (default MAX_VERIFICATIONS). */
  maxVerifications?: number;
  /** Start the next candidate's verification while one runs (lookahead.ts; default true): the same graph, sooner. */
  verifyAhead?: boolean;
}

/** What the graph did, for benchmarks and for the test that holds it to its bound. */
export interface GraphStats {
  /** Contents added and searched. */
  added: number;
  /** Candidates found by the index (summed over newcomers). */
  candidates: number;
  /** Pairs verified (`compare`, and the pixel check where it applies). */
  verified: number;
  /** Candidates whose verdict was implied by another pair, not verified. */
  implied: number;
  /** Candidates left unverified because the newcomer had used its budget. */
  dropped: number;
  /** The most verifications one newcomer made. */
  maxPerImage: number;
  /** Verifications started ahead of their turn (lookahead.ts) whose candidate did not need one after all. */
  wasted: number;
}

/**
 * A content of the graph. Kept small (a graph holds every distinct image of the tree, ~400 bytes a node):
 * the keys in one array, their kinds packed in a number, the pair maps made at the first pair.
 */
interface Node {
  id: number;
  sha256: string;
  /** Its keys in the indexes, 32 bytes each (kept so a restored graph can remove it without decoding its fingerprint). */
  keys: Uint8Array;
  /** The index of key i: KIND_CODES[(kinds >> 2i) & 3]. */
  kinds: number;
  /** Loaded on demand for a restored node (only a newcomer's candidates are ever compared). */
  fingerprint?: Fingerprint;
  /** Partner sha256 → pair. */
  edges?: Map<string, SimilarPair>;
  /** Partners that were verified and found different: a group never holds both. */
  rejected?: Set<string>;
}

function keyCount(node: Node): number {
  return node.keys.length / 32;
}

function kindOf(node: Node, i: number): IndexedKind {
  return KIND_CODES[(node.kinds >>> (2 * i)) & 3];
}

function keyOf(node: Node, i: number): Uint8Array {
  return node.keys.subarray(32 * i, 32 * i + 32);
}

function link(x: Node, y: Node, pair: SimilarPair): void {
  (x.edges ??= new Map()).set(y.sha256, pair);
  (y.edges ??= new Map()).set(x.sha256, pair);
}

function refuse(x: Node, y: Node): void {
  (x.rejected ??= new Set()).add(y.sha256);
  (y.rejected ??= new Set()).add(x.sha256);
}

const NO_EDGES: ReadonlyMap<string, SimilarPair> = new Map();

/** 3: verified-different pairs are kept (`rejected`). 4: each key says its index (`kinds`). */
export const SNAPSHOT_VERSION = 4;

/** A saved graph: contents with their index keys, and the verified pairs (node positions, pixel flag, similarity). */
export interface GraphSnapshot {
  version: number;
  /** The thresholds and the verification rules it was built with: others mean another graph. */
  settings: string;
  /** keys: 32 bytes each; kinds: a byte per key, its index (0 hash, 1 crop, 2 shape; without it, the first key is the hash, the others crop keys). */
  nodes: Array<{ sha256: string; keys: Uint8Array; kinds?: Uint8Array }>;
  pairs: Array<[number, number, 0 | 1, number]>;
  /** Candidate pairs verified different (node positions). */
  rejected: Array<[number, number]>;
}

/** What a saved graph's verdicts depend on besides the code's shape: the thresholds and the rules' version. */
export function snapshotSettings(thresholds: NearThresholds): string {
  return `rules ${VERIFICATION_RULES} ${JSON.stringify(thresholds, Object.keys(thresholds).sort())}`;
}

/**
 * The indexes a content's keys go to. A key is only ever compared with keys of the meaning verification
 * compares it with (compare.ts): a hash with hashes and crop keys, a crop key with hashes, a silhouette with
 * silhouettes. A crop key near another crop key, or a silhouette near a DCT hash, is a coincidence.
 */
type IndexedKind = 'hash' | 'crop' | 'shape';
const KIND_CODES: readonly IndexedKind[] = ['hash', 'crop', 'shape'];

function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}

/** indexKeys(fp) labelled (the hash first, the crop keys, the shape key last: transparent images only), each key once per kind. */
function ownKeys(fp: Fingerprint): Array<{ key: Uint8Array; kind: IndexedKind }> {
  const keys = indexKeys(fp);
  const shape = shapeKey(fp) !== undefined;
  const seen = new Set<string>();
  const out: Array<{ key: Uint8Array; kind: IndexedKind }> = [];
  keys.forEach((key, i) => {
    const kind: IndexedKind = i === 0 ? 'hash' : shape && i === keys.length - 1 ? 'shape' : 'crop';
    const id = `${kind}:${keyId(key)}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ key, kind });
  });
  return out;
}

/** Keys with duplicates removed, and those in `except` (a flat image's crop keys can equal its hash: one search does). */
function distinctKeys(keys: Uint8Array[], except: readonly Uint8Array[] = []): Uint8Array[] {
  const seen = new Set<string>(except.map(keyId));
  return keys.filter((k) => {
    const id = keyId(k);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export class SimilarityGraph {
  /** Hashes, crop keys and silhouettes of every content, one index each (see IndexedKind). */
  private readonly indexes: Record<IndexedKind, HammingIndex> = {
    hash: new HammingIndex(),
    crop: new HammingIndex(),
    shape: new HammingIndex(),
  };
  private readonly nodes = new Map<string, Node>();
  private readonly byId = new Map<number, Node>();
  private nextId = 0;
  private readonly radius: number;
  private readonly variantRadius: number;
  private readonly budget: number;
  /** Components of the verified pairs (by node id), to skip candidates whose answer is implied. */
  private readonly components = new GrowingUnionFind();
  /**
   * By node id: 1 when some pair of that content is (or was: removal leaves it) `pixel`. Only such a content
   * can get a twin's verdict (pixelTwinVerdict); read for every candidate, hence an array, not a node field.
   */
  private pixelPaired = new Uint8Array(64);
  readonly stats: GraphStats = { added: 0, candidates: 0, verified: 0, implied: 0, dropped: 0, maxPerImage: 0, wasted: 0 };

  constructor(private readonly options: GraphOptions) {
    this.radius = candidateRadius(options.thresholds);
    this.variantRadius = variantRadius(options.thresholds);
    this.budget = Math.max(1, options.maxVerifications ?? MAX_VERIFICATIONS);
  }

  has(sha256: string): boolean {
    return this.nodes.has(sha256);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Adds a content and verifies it against its nearest candidates; returns the new pairs. */
  async add(sha256: string, fingerprint: Fingerprint): Promise<SimilarPair[]> {
    if (this.nodes.has(sha256)) return [];
    const own = ownKeys(fingerprint);
    const node: Node = { id: this.nextId++, sha256, keys: new Uint8Array(32 * own.length), kinds: 0, fingerprint };
    const ranked = this.sameColoursFirst(fingerprint, this.candidatesOf(fingerprint));
    own.forEach(({ key, kind }, i) => {
      this.indexes[kind].add(node.id, key);
      node.keys.set(key, 32 * i);
      node.kinds |= KIND_CODES.indexOf(kind) << (2 * i);
    });
    this.nodes.set(sha256, node);
    this.byId.set(node.id, node);
    this.stats.added++;
    this.stats.candidates += ranked.length;

    const added: SimilarPair[] = [];
    /** Verdicts of this newcomer so far: candidate sha256 → pair found, or null when verified different. */
    const verdicts = new Map<string, SimilarPair | null>();
    /** Component root → members verified different from the newcomer. */
    const refused = new Map<number, number>();
    let verified = 0;
    const ahead = new Lookahead<Verdict | undefined>();
    try {
      for (let position = 0; position < ranked.length; position++) {
        const id = ranked[position];
        if (verified >= this.budget && !this.pixelPaired[id]) {
          // The budget is spent: only a pixel twin of a content verified above can still have a verdict (an
          // implied one). In an icon family most of the graph is a candidate: the rest is passed over cheaply.
          this.stats.dropped++;
          continue;
        }
        const other = this.byId.get(id)!;
        const component = this.components.find(other.id);
        let verdict: Verdict | undefined;
        const twin = this.pixelTwinVerdict(other, verdicts);
        if (component === this.components.find(node.id) || (refused.get(component) ?? 0) >= PER_COMPONENT) {
          // Already in the newcomer's component (one group either way: grouping measures each member
          // against its canonical), or its nearest members were verified different.
          this.stats.implied++;
          continue;
        } else if (twin !== undefined) {
          this.stats.implied++;
          verdict = twin ?? undefined;
        } else if (verified < this.budget) {
          verified++;
          const pending = ahead.take(id, () => this.classify(other, node));
          const next =
            this.options.verifyAhead !== false && verified < this.budget
              ? this.likelyNext(ranked, position + 1, node, other, refused)
              : undefined;
          if (next !== undefined) ahead.begin(next.id, () => this.classify(next, node));
          verdict = await pending;
        } else {
          this.stats.dropped++;
          continue;
        }
        if (!verdict) {
          // Verified different (or pixel-identical to a content that was): grouping never puts them together.
          refuse(other, node);
          verdicts.set(other.sha256, null);
          refused.set(component, (refused.get(component) ?? 0) + 1);
          continue;
        }
        const pair: SimilarPair = { a: other.sha256, b: sha256, ...verdict };
        verdicts.set(other.sha256, pair);
        this.join(other, node, pair);
        this.components.union(other.id, node.id);
        added.push(pair);
      }
    } finally {
      this.stats.wasted += ahead.untaken;
      await ahead.settle();
    }
    this.stats.verified += verified;
    this.stats.maxPerImage = Math.max(this.stats.maxPerImage, verified);
    return added;
  }

  /**
   * The newcomer's candidates, nearest first. Keys need not be symmetric: a crop's hash reaches the
   * original's central-region key, not the reverse. Each key is searched only among the keys it means
   * something against (IndexedKind): the newcomer's hash among hashes (the same picture) and crop keys (the
   * newcomer is a crop of that image); its crop keys among hashes (that image is a crop of the newcomer); its
   * silhouette among silhouettes; the flipped/rotated variants of its hash among hashes, within the smaller
   * variant radius. Flipped or rotated copies of a whole image are sought, flipped or rotated crops are not
   * (they were found in one order of arrival only, and cost more than half of the scan: 2 crop keys an image).
   *
   * At the candidate radius (80 of 256 bits) no index beats a scan: multi-index hashing would visit most of
   * the postings. So each index is scanned once for all the keys sought in it (searchMany: each stored key
   * loaded once, compared with up to 16 queries in registers), the variants included at their own radius —
   * in one pass with the rest they cost less than multi-index hashing at that radius did (0.6–0.7× on uniform
   * keys, 5·10⁴ to 10⁶ keys, CPU time), and at 32 bits the scan tests them after 2 of the 4 words a key has
   * (3 at 80). Exact: every key within each radius.
   */
  private candidatesOf(fingerprint: Fingerprint): number[] {
    const hits: KeyHits[] = [];
    const hash = directQueryKeys(fingerprint)[0];
    const crops = distinctKeys(
      ownKeys(fingerprint)
        .filter((k) => k.kind === 'crop')
        .map((k) => k.key),
      [hash],
    );
    const variants = distinctKeys(variantQueryKeys(fingerprint), [hash]);
    const radii = [hash, ...crops, ...variants].map((_, i) => (i <= crops.length ? this.radius : this.variantRadius));
    const inHashes = this.indexes.hash.searchMany([hash, ...crops, ...variants], radii);
    inHashes.forEach((found, i) => hits.push({ kind: i === 0 ? 'hash' : i <= crops.length ? 'crop' : 'variant', hits: found }));
    hits.push({ kind: 'hash', hits: this.indexes.crop.search(hash, this.radius) });
    const shape = shapeKey(fingerprint);
    if (shape) hits.push({ kind: 'shape', hits: this.indexes.shape.search(shape, this.radius) });
    return rankCandidates(hits);
  }

  /**
   * For a graphic, the nearest candidates (COLOUR_WINDOW budgets' worth) reordered: those of about its colours
   * first, in their order, then the others. Keys see luma and silhouettes, not colour: the ten colour skins of
   * one sprite are all at the same distance of a newcomer, and its own retina twin could come after the
   * budget was spent on the nine skins verification rejects (graphics of other colours never match).
   * Only the order changes; every verdict is still verification's.
   */
  private sameColoursFirst(fingerprint: Fingerprint, ranked: number[]): number[] {
    if (!isGraphic(fingerprint, this.options.thresholds)) return ranked;
    const window = ranked.slice(0, COLOUR_WINDOW * this.budget);
    const near: number[] = [];
    const far: number[] = [];
    for (const id of window) {
      const other = this.byId.get(id);
      const fp = other && this.fingerprintOf(other);
      (fp && colourGap(fp.chroma, fingerprint.chroma) > this.options.thresholds.maxChromaDifference ? far : near).push(id);
    }
    // In place: the ranking is this newcomer's own array, and copying it (most of the graph, in an icon
    // family) for every newcomer cost more than the reordering.
    if (far.length > 0) [...near, ...far].forEach((id, i) => (ranked[i] = id));
    return ranked;
  }

  /**
   * The candidate after `from` most likely to be verified next whatever the verification in progress (of
   * `current`) finds: not in the newcomer's component or a refused one, not in `current`'s either (if it
   * joins the newcomer, all of that component is implied: on the photo benchmark, where a newcomer's
   * candidates are mostly one group, guessing there wasted more than it gained), and with no pixel twin
   * (whose verdict may be implied). Looked for among the next LOOKAHEAD_WINDOW only: in an icon family most
   * of the graph is a candidate, and a guess is worth little past the next few.
   */
  private likelyNext(ranked: number[], from: number, node: Node, current: Node, refused: ReadonlyMap<number, number>): Node | undefined {
    const own = this.components.find(node.id);
    const currents = this.components.find(current.id);
    for (let k = from; k < Math.min(ranked.length, from + LOOKAHEAD_WINDOW); k++) {
      const id = ranked[k];
      if (this.pixelPaired[id]) continue;
      const component = this.components.find(id);
      if (component !== own && component !== currents && (refused.get(component) ?? 0) < PER_COMPONENT) return this.byId.get(id);
    }
    return undefined;
  }

  /**
   * The verdict of a content `other` is pixel-identical to, if the newcomer has one: same pixels, same
   * fingerprint up to the encoder, same answer. Undefined when there is none.
   */
  private pixelTwinVerdict(other: Node, verdicts: ReadonlyMap<string, SimilarPair | null>): Verdict | null | undefined {
    const edges = other.edges ?? NO_EDGES;
    if (verdicts.size === 0 || edges.size === 0) return undefined;
    const twinOf = (pair: SimilarPair, verdict: SimilarPair | null): Verdict | null | undefined => {
      if (pair.class !== 'pixel') return undefined;
      return verdict ? { class: verdict.class, similarity: verdict.similarity } : null;
    };
    // Walk the shorter of the two maps: an old content many others matched has many edges.
    if (verdicts.size < edges.size) {
      for (const [partner, verdict] of verdicts) {
        const pair = edges.get(partner);
        const found = pair && twinOf(pair, verdict);
        if (found !== undefined) return found;
      }
    } else {
      for (const [partner, pair] of edges) {
        const verdict = verdicts.get(partner);
        const found = verdict === undefined ? undefined : twinOf(pair, verdict);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  /** Records a verified pair (both directions), and which contents have a pixel twin. */
  private join(x: Node, y: Node, pair: SimilarPair): void {
    link(x, y, pair);
    if (pair.class !== 'pixel') return;
    const top = Math.max(x.id, y.id);
    if (top >= this.pixelPaired.length) {
      const grown = new Uint8Array(Math.max(top + 1, 2 * this.pixelPaired.length));
      grown.set(this.pixelPaired);
      this.pixelPaired = grown;
    }
    this.pixelPaired[x.id] = this.pixelPaired[y.id] = 1;
  }

  /** Removes a content and its pairs; returns the partners it had. */
  remove(sha256: string): string[] {
    const node = this.nodes.get(sha256);
    if (!node) return [];
    for (let i = 0; i < keyCount(node); i++) this.indexes[kindOf(node, i)].remove(node.id, keyOf(node, i));
    const partners = [...(node.edges?.keys() ?? [])];
    for (const partner of partners) this.nodes.get(partner)?.edges?.delete(sha256);
    for (const partner of node.rejected ?? []) this.nodes.get(partner)?.rejected?.delete(sha256);
    this.nodes.delete(sha256);
    this.byId.delete(node.id);
    return partners;
  }

  /** Everything needed to rebuild the graph without searching or decoding: keys and verified pairs. */
  snapshot(): GraphSnapshot {
    const nodes = [...this.nodes.values()];
    const position = new Map(nodes.map((n, i) => [n.sha256, i]));
    const pairs: GraphSnapshot['pairs'] = [];
    for (const pair of this.pairs())
      pairs.push([position.get(pair.a)!, position.get(pair.b)!, pair.class === 'pixel' ? 1 : 0, pair.similarity]);
    const rejected: GraphSnapshot['rejected'] = [];
    for (const node of nodes)
      for (const partner of node.rejected ?? [])
        if (node.sha256 < partner) rejected.push([position.get(node.sha256)!, position.get(partner)!]);
    return {
      version: SNAPSHOT_VERSION,
      settings: snapshotSettings(this.options.thresholds),
      nodes: nodes.map((n) => ({
        sha256: n.sha256,
        keys: n.keys,
        kinds: Uint8Array.from({ length: keyCount(n) }, (_, i) => (n.kinds >>> (2 * i)) & 3),
      })),
      pairs,
      rejected,
    };
  }

  /** A graph from a snapshot taken with the same thresholds; undefined when it does not apply. */
  static restore(snapshot: GraphSnapshot | undefined, options: GraphOptions): SimilarityGraph | undefined {
    if (!snapshot || snapshot.version !== SNAPSHOT_VERSION || snapshot.settings !== snapshotSettings(options.thresholds)) return undefined;
    const graph = new SimilarityGraph(options);
    const nodes = snapshot.nodes.map((n) => {
      // A copy: the snapshot's buffer may be a slice of a much larger one (the store's read).
      const node: Node = {
        id: graph.nextId++,
        sha256: n.sha256,
        keys: Uint8Array.prototype.slice.call(n.keys, 0, n.keys.length - (n.keys.length % 32)),
        kinds: 0,
      };
      for (let i = 0; i < keyCount(node); i++) {
        const code = n.kinds && n.kinds[i] < KIND_CODES.length ? n.kinds[i] : i === 0 ? 0 : 1;
        node.kinds |= code << (2 * i);
        graph.indexes[KIND_CODES[code]].add(node.id, keyOf(node, i));
      }
      graph.nodes.set(node.sha256, node);
      graph.byId.set(node.id, node);
      return node;
    });
    for (const [ia, ib, pixel, similarity] of snapshot.pairs) {
      const a = nodes[ia];
      const b = nodes[ib];
      if (!a || !b) return undefined;
      const pair: SimilarPair = { a: a.sha256, b: b.sha256, class: pixel ? 'pixel' : 'near', similarity };
      graph.join(a, b, pair);
      graph.components.union(a.id, b.id);
    }
    for (const [ia, ib] of snapshot.rejected ?? []) {
      const a = nodes[ia];
      const b = nodes[ib];
      if (!a || !b) return undefined;
      refuse(a, b);
    }
    return graph;
  }

  /** The contents the graph holds. */
  contents(): IterableIterator<string> {
    return this.nodes.keys();
  }

  pair(a: string, b: string): SimilarPair | undefined {
    return this.nodes.get(a)?.edges?.get(b);
  }

  /**
   * The verified pair of two contents the candidate search did not bring together (a canonical and a member
   * joined only through a third image): compared now and remembered either way. Undefined when different.
   */
  async verify(a: string, b: string): Promise<SimilarPair | undefined> {
    const x = this.nodes.get(a);
    const y = this.nodes.get(b);
    if (!x || !y || a === b) return undefined;
    const known = x.edges?.get(b);
    if (known || x.rejected?.has(b)) return known;
    const verdict = await this.classify(x, y);
    if (!verdict) {
      refuse(x, y);
      return undefined;
    }
    const pair: SimilarPair = { a, b, ...verdict };
    this.join(x, y, pair);
    this.components.union(x.id, y.id);
    return pair;
  }

  /** The batch of verifications is over: the pixel sources drop what they keep (a graph outlives its batches in a daemon). */
  releasePixels(): void {
    this.options.release?.();
  }

  /** True when the two contents were compared and found different (not merely never compared). */
  verifiedDifferent(a: string, b: string): boolean {
    return this.nodes.get(a)?.rejected?.has(b) ?? false;
  }

  partners(sha256: string): SimilarPair[] {
    return [...(this.nodes.get(sha256)?.edges?.values() ?? [])];
  }

  *pairs(): Iterable<SimilarPair> {
    for (const node of this.nodes.values()) {
      for (const [partner, pair] of node.edges ?? NO_EDGES) if (node.sha256 < partner) yield pair;
    }
  }

  private fingerprintOf(node: Node): Fingerprint | undefined {
    node.fingerprint ??= this.options.fingerprintOf?.(node.sha256);
    return node.fingerprint;
  }

  private async classify(x: Node, y: Node): Promise<Verdict | undefined> {
    const a = this.fingerprintOf(x);
    const b = this.fingerprintOf(y);
    if (!a || !b) return undefined; // a content gone from the index meanwhile
    if (mayBePixelTwins(a, b)) {
      const [da, db] = await Promise.all([this.options.pixelDigest(x.sha256), this.options.pixelDigest(y.sha256)]);
      if (da !== undefined && da === db) return { class: 'pixel', similarity: 1 };
    }
    const similarity = await verifyPair(a, b, this.options.thresholds, this.pixelsOf(x), this.pixelsOf(y));
    return similarity === undefined ? undefined : { class: 'near', similarity };
  }

  /** Where verification reads a content's pixels: none without a detail source (the thumbnails decide). */
  private pixelsOf(node: Node): PixelSource | undefined {
    const { detail, exact, fine } = this.options;
    if (!detail) return undefined;
    return {
      detail: () => detail(node.sha256),
      exact: () => (exact ? exact(node.sha256) : Promise.resolve(undefined)),
      fine: () => (fine ? fine(node.sha256) : Promise.resolve(undefined)),
    };
  }
}
