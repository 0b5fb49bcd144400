/* eslint-disable max-lines -- one algorithm whose layout, search and measured costs are documented together (a house example); splitting it would scatter one invariant. */
/**
 * Near-neighbour search over 256-bit keys in Hamming space: multi-index hashing (Norouzi, Punjani & Fleet,
 * "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012) with 16 tables of 16-bit chunks.
 *
 * Layout (no per-key objects: a million keys take 99 MB, 103 bytes a key with the fixed 4.5 MB):
 * - keys: 8 little-endian 32-bit words per slot, in a WebAssembly memory (the brute scan is WebAssembly,
 *   see scan-wasm.ts) viewed as one Uint32Array; ids: Int32Array (widened to Float64Array the first time an
 *   id does not fit); a state byte per slot; freed slots go to a free list; the live slots chained by
 *   their first word (two Int32Arrays) to find an (id, key) pair.
 * - base: for each of the 16 tables, a counting-sorted posting array (CSR): the slots whose chunk t has
 *   value v are entries [offsets[t][v], offsets[t][v + 1]). An entry is a 24-bit slot number (Uint16 + Uint8).
 * - delta: slots added since the base was built, searched by brute force. The base is rebuilt lazily, at a
 *   search, once the delta has grown past √(32·n) (the balance point of rebuild cost against delta scans)
 *   or half the base is dead. remove() never rebuilds: it marks the slot dead (O(1) after locating it in its
 *   chain); dead slots are skipped and become reusable at the next rebuild.
 *
 * Search at radius r: with r = q·16 + a, a key within r has one of chunks 0..a within q bits or one of the
 * others within q − 1 bits (refined pigeonhole), so those are the only buckets probed. Every candidate is
 * verified with the full distance (early exit past r); a slot reached through a later table is skipped when
 * an earlier probed table already reached it, which the chunk distances computed during verification show.
 *
 * MIH wins while the buckets it visits are a small part of the index. On uniform keys the visited fraction is
 * 0.6 % at r = 32, 4.2 % at r = 48, 20 % at r = 64 and 68 % at r = 80 (16 × 16-bit chunks), so each query
 * picks MIH or a brute scan from that fraction and the index size (mihPays); a MIH scan that visits more entries than
 * expected (clustered real hashes) gives up and falls back to the brute scan. The brute scan runs at memory
 * speed (about 3 ms for 10^6 keys).
 *
 * searchMany (the similarity graph's ~10 probe keys per image at 80 bits): one pass over the keys compares each
 * with up to 16 queries held in WebAssembly locals, so a key is loaded once, not once per query; it is then
 * popcount-bound (~1.3 ns per key and query), about 1.6× faster than one scan per query (bench/graph.ts).
 * Each query may have its own radius, and its distance is first tested after the fewest words that exceed
 * that radius for nearly every key (scan-wasm.ts checkWords): 2 of the 4 at 32 bits, 3 at 80.
 *
 * The similarity graph (groups/similarity-graph.ts) no longer asks for MIH: it searches its 7 dihedral
 * variants (radius 32) in the same one-pass scan as its 80-bit keys. Measured in CPU time on the 2-core
 * machine under load, 7 queries at r = 32 took 0.42–0.73 ms by the 7-query scan against 0.70–1.3 ms by MIH
 * at 5·10⁴–10⁵ keys, 8.5 ms against 13 ms at 10⁶: the cost model below (fitted on an idle machine) overrates
 * MIH there (its visits are random reads of keys: cache misses on a loaded machine). Testing the variants
 * after 2 words made the graph's 10-query pass 1.08–1.16× faster (5·10⁴–10⁶ keys, CPU time, same run).
 */

import { checkWords, createScan, MAX_QUERIES, type Scanner, type WasmMemory } from './scan-wasm';

const BITS = 256;
const WORDS = 8;
const CHUNKS = 16;
const CHUNK_VALUES = 1 << 16;
/** Largest slot number a 24-bit posting entry can hold. */
const MAX_SLOTS = 1 << 24;
/**
 * WebAssembly memory layout: the queries at 0 (up to 16), their radii at RADII_OFFSET (u32 each), scan hits
 * at OUT_OFFSET (2 u32 each), the keys at KEYS_OFFSET.
 */
const RADII_OFFSET = 32 * MAX_QUERIES;
const OUT_OFFSET = RADII_OFFSET + 4 * MAX_QUERIES;
/** Hits per scan call (keys per call for one query; a k-query call takes SCAN_BLOCK / k keys), so the hits always fit. */
const SCAN_BLOCK = 1 << 16;
const KEYS_OFFSET = OUT_OFFSET + SCAN_BLOCK * 8;
const PAGE = 65536;

/** Below this many keys the index never builds postings (16 tables × 64 K offsets = 4 MB). */
export const MIH_MIN_KEYS = 2048;
/**
 * Cost model, in units of one brute-scanned key (WebAssembly popcount, sequential: ~1.5 ns cached, ~4 ns
 * at 10^6 keys). A MIH probe (one bucket offset) costs about 10, a visited posting entry about 35 (random
 * access to its key), at 64 K and at 10^6 keys alike. Fitted on bench/hamming.ts: at r = 32 MIH wins from
 * about 8 K keys, at r = 36 from about 30 K, at r = 40 only from about 65 K (equal) to 10^6 (1.1×); above
 * r = 44 the brute scan wins at every size (4.2 % of postings visited at r = 48, 20 % at r = 64).
 */
const MIH_PROBE_COST = 10;
const MIH_VISIT_COST = 35;
/**
 * A k-query scan (searchMany) costs about MANY_BASE + MANY_PER_QUERY·k per key, in the same unit: each key
 * is loaded once, then compared with each query held in registers, the 4th word only when the first 3 are
 * within r (bench/graph.ts: about 1.3 ns per key and query against 2.2–2.4 ns for single scans at 3.5·10^5
 * and 10^6 keys, 1.6 ns cached).
 */
const MANY_BASE = 0.3;
const MANY_PER_QUERY = 0.5;

const STATE_FREE = 0;
const STATE_BASE = 1;
const STATE_DELTA = 2;
const STATE_DEAD = 3;

/** Popcount of every 16-bit value. */
const POP16 = new Uint8Array(CHUNK_VALUES);
for (let v = 1; v < CHUNK_VALUES; v++) POP16[v] = POP16[v >>> 1] + (v & 1);

/** Every 16-bit mask ordered by popcount; MASKS_UPTO[k] = how many have popcount ≤ k. */
const MASKS = new Uint16Array(CHUNK_VALUES);
const MASKS_UPTO = new Uint32Array(17);
{
  const byPop: number[][] = Array.from({ length: 17 }, () => []);
  for (let v = 0; v < CHUNK_VALUES; v++) byPop[POP16[v]].push(v);
  let n = 0;
  for (let k = 0; k <= 16; k++) {
    for (const v of byPop[k]) MASKS[n++] = v;
    MASKS_UPTO[k] = n;
  }
}

function checkKey(what: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    const actual = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new RangeError(`${what}: expected a 256-bit key (Uint8Array of 32 bytes) but received ${actual}`);
  }
}

/** Reads a 32-byte key as 8 little-endian 32-bit words into `out` at `at`. */
function toWords(key: Uint8Array, out: Uint32Array, at: number): void {
  for (let w = 0, b = 0; w < WORDS; w++, b += 4) {
    out[at + w] = (key[b] | (key[b + 1] << 8) | (key[b + 2] << 16) | (key[b + 3] << 24)) >>> 0;
  }
}

/** Popcount of a 32-bit word (SWAR). */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance of two 256-bit keys: 8 words, each XOR-ed and popcounted. */
export function hammingDistance256(a: Uint8Array, b: Uint8Array): number {
  checkKey('hammingDistance256', a);
  checkKey('hammingDistance256', b);
  let d = 0;
  for (let i = 0; i < 32; i += 4) {
    d += popcount32(((a[i] ^ b[i]) | ((a[i + 1] ^ b[i + 1]) << 8) | ((a[i + 2] ^ b[i + 2]) << 16) | ((a[i + 3] ^ b[i + 3]) << 24)) >>> 0);
  }
  return d;
}

export interface HammingHit {
  id: number;
  distance: number;
}

export interface HammingIndexOptions {
  bits?: 256;
}

/** Chunk thresholds for radius r (refined pigeonhole); -1 = the chunk is not probed. */
function thresholds(r: number): Int32Array {
  const q = Math.floor(r / CHUNKS);
  const a = r - q * CHUNKS;
  const thr = new Int32Array(CHUNKS);
  for (let t = 0; t < CHUNKS; t++) thr[t] = Math.min(16, t <= a ? q : q - 1);
  return thr;
}

/** Buckets a MIH query probes at radius r. */
function mihProbes(radius: number): number {
  const thr = thresholds(Math.max(0, Math.min(BITS, Math.floor(radius))));
  let probes = 0;
  for (let t = 0; t < CHUNKS; t++) if (thr[t] >= 0) probes += MASKS_UPTO[thr[t]];
  return probes;
}

/** Expected fraction of postings a MIH query visits at radius r, for uniform keys. */
export function mihVisitedFraction(radius: number): number {
  return mihProbes(radius) / CHUNK_VALUES;
}

/** Whether MIH is expected to beat the brute scan over n keys at radius r. */
export function mihPays(radius: number, n: number): boolean {
  const probes = mihProbes(radius);
  return n >= MIH_MIN_KEYS && MIH_PROBE_COST * probes + (MIH_VISIT_COST * probes * n) / CHUNK_VALUES < n;
}

/** Whether k queries are cheaper by MIH each than by one k-query scan over n keys at radius r. */
export function mihPaysMany(radius: number, n: number, k: number): boolean {
  if (k <= 1) return mihPays(radius, n);
  const probes = mihProbes(radius);
  const mih = k * (MIH_PROBE_COST * probes + (MIH_VISIT_COST * probes * n) / CHUNK_VALUES);
  const passes = Math.ceil(k / MAX_QUERIES);
  return n >= MIH_MIN_KEYS && mih < n * (passes * MANY_BASE + MANY_PER_QUERY * k);
}

/**
 * Hits by distance, then id. Ids that fit 32 bits are packed with their distance in one number and sorted
 * as a Float64Array (native, no comparator): one key of an icon family is within the graph's radius of
 * nearly every other, so a search returns most of the index and a comparator sort cost more than the scan.
 */
function sortedHits(best: ReadonlyMap<number, number>): HammingHit[] {
  const packed = new Float64Array(best.size);
  let i = 0;
  for (const [id, distance] of best) {
    if ((id | 0) !== id) return sortedByComparator(best);
    packed[i++] = distance * 2 ** 32 + (id + 2 ** 31);
  }
  packed.sort();
  const hits: HammingHit[] = new Array<HammingHit>(packed.length);
  for (let k = 0; k < packed.length; k++) {
    const distance = Math.floor(packed[k] / 2 ** 32);
    hits[k] = { id: packed[k] - distance * 2 ** 32 - 2 ** 31, distance };
  }
  return hits;
}

function sortedByComparator(best: ReadonlyMap<number, number>): HammingHit[] {
  const hits: HammingHit[] = [];
  for (const [id, distance] of best) hits.push({ id, distance });
  hits.sort((x, y) => x.distance - y.distance || x.id - y.id);
  return hits;
}

export class HammingIndex {
  private readonly memory: WasmMemory;
  /** The k-query scan for queries of these checkWords. */
  private readonly many: Scanner['many'];
  private keys = new Uint32Array(0);
  private ids: Int32Array | Float64Array = new Int32Array(0);
  private state = new Uint8Array(0);
  private capacity = 0;
  /** Slots ever used: [0, highWater). */
  private highWater = 0;
  private freeSlots: number[] = [];
  private live = 0;

  // Base (CSR postings), built lazily.
  private offsets: Uint32Array | undefined;
  private postLo = new Uint16Array(0);
  private postHi = new Uint8Array(0);
  private baseLive = 0;
  private baseDead = 0;

  // Delta: slots added since the base was built (state DELTA or DEAD).
  private delta: number[] = [];
  /**
   * Every live slot by its key's first word (find(): the set semantics of add, and remove), chained in typed
   * arrays: 12 bytes a key, where a Map of arrays took about 80 (the graph's indexes, scanned at 80 bits,
   * never build postings, so this is the index's only lookup).
   */
  private heads = new Int32Array(2).fill(-1);
  private headsShift = 31;
  private chain = new Int32Array(0);
  /** Dead slots still referenced by the base or the delta list; freed at the next rebuild. */
  private pendingFree: number[] = [];

  /** Per-query scratch. */
  private readonly q = new Uint32Array(WORDS);

  /** Statistics of the last search, for benchmarks and tests. */
  lastSearch: { method: 'mih' | 'brute' | 'mih→brute'; visited: number } = { method: 'brute', visited: 0 };

  constructor(options: HammingIndexOptions = {}) {
    if (options.bits !== undefined && options.bits !== BITS) {
      throw new RangeError(`HammingIndex: expected bits 256 but received ${String(options.bits)}`);
    }
    ({ memory: this.memory, many: this.many } = createScan(Math.ceil(KEYS_OFFSET / PAGE)));
  }

  get size(): number {
    return this.live;
  }

  /** Bytes held by the typed arrays (WebAssembly memory with the keys, ids, state, postings, offsets). */
  get memoryBytes(): number {
    return (
      this.memory.buffer.byteLength +
      this.ids.byteLength +
      this.state.byteLength +
      (this.offsets?.byteLength ?? 0) +
      this.postLo.byteLength +
      this.postHi.byteLength +
      this.heads.byteLength +
      this.chain.byteLength
    );
  }

  /** Adds an (id, key) pair; the index is a set of pairs, so adding a pair it holds does nothing. */
  add(id: number, key: Uint8Array): void {
    checkKey('HammingIndex.add', key);
    if (typeof id !== 'number' || !Number.isFinite(id))
      throw new TypeError(`HammingIndex.add: expected a finite number for id but received ${String(id)}`);
    toWords(key, this.q, 0);
    if (this.find(id, this.q) >= 0) return;
    const slot = this.allocate();
    this.keys.set(this.q, slot * WORDS);
    if (this.ids instanceof Int32Array && (id | 0) !== id) this.ids = Float64Array.from(this.ids);
    this.ids[slot] = id;
    this.state[slot] = STATE_DELTA;
    if (this.offsets) this.delta.push(slot);
    this.link(slot);
    this.live++;
  }

  /** Removes an (id, key) pair; removing a pair the index does not hold does nothing. */
  remove(id: number, key: Uint8Array): void {
    checkKey('HammingIndex.remove', key);
    toWords(key, this.q, 0);
    const slot = this.find(id, this.q);
    if (slot < 0) return;
    this.unlink(slot);
    if (this.state[slot] === STATE_DELTA) {
      this.live--;
      if (!this.offsets) {
        // No postings refer to it: reusable at once.
        this.state[slot] = STATE_FREE;
        this.freeSlots.push(slot);
        return;
      }
    } else {
      this.live--;
      this.baseLive--;
      this.baseDead++;
    }
    this.state[slot] = STATE_DEAD;
    this.pendingFree.push(slot);
  }

  /** Every id with a key within `radius` bits of `query`, with its smallest distance; sorted by distance, then id. */
  search(query: Uint8Array, radius: number): HammingHit[] {
    return this.searchUsing(query, radius, 'auto');
  }

  /**
   * search() with the algorithm forced (benchmarks, tests): 'mih' at any size (it still falls
   * back to a brute scan past its visit budget); 'auto' chooses with the cost model (mihPays).
   */
  searchUsing(query: Uint8Array, radius: number, method: 'auto' | 'mih' | 'brute'): HammingHit[] {
    checkKey('HammingIndex.search', query);
    const r = Math.floor(radius);
    if (!(r >= 0)) return [];
    toWords(query, this.q, 0);
    const best = new Map<number, number>();
    const useMih = method === 'mih' ? this.live > 0 : method === 'auto' && mihPays(r, this.live);
    if (method === 'auto' && !useMih && this.offsets && this.live < MIH_MIN_KEYS / 2) this.dropBase();
    let visited = -1;
    if (useMih) {
      if (!this.offsets || this.delta.length > this.deltaLimit() || this.baseDead > this.baseLive) this.rebuild();
      // Clustered keys fill some buckets far above the uniform estimate: past twice the expected visits (at
      // least what a brute scan costs), give up and scan, so a query costs at most about two brute scans.
      const expected = mihVisitedFraction(r) * this.baseLive;
      const budget = Math.ceil(Math.max(2 * expected, this.baseLive / MIH_VISIT_COST)) + this.baseDead + 1024;
      visited = this.searchBase(r, best, budget);
      if (visited >= 0) {
        this.scanSlots(this.delta, r, best);
        this.lastSearch = { method: 'mih', visited: visited + this.delta.length };
      } else {
        best.clear();
      }
    }
    if (visited < 0) {
      this.scanAllMany([query], [Math.min(r, BITS)], [best], 0);
      this.lastSearch = { method: useMih ? 'mih→brute' : 'brute', visited: this.highWater };
    }
    return sortedHits(best);
  }

  /**
   * search() for several queries at once: result[i] equals search(queries[i], radius), or with one radius
   * per query search(queries[i], radius[i]). At radii where MIH does not pay (the similarity graph's 80
   * bits), one pass over the stored keys compares each with up to 16 queries (a WebAssembly kernel with the
   * queries in registers), instead of one full scan per query; each query's distance is tested after as few
   * words as its radius needs (checkWords: 2 of 4 at the graph's variant radius of 32, 3 at 80). With radii
   * that differ the scan is always used: MIH at the small ones cost more than their share of the pass.
   */
  searchMany(queries: readonly Uint8Array[], radius: number | readonly number[]): HammingHit[][] {
    return this.searchManyUsing(queries, radius, 'auto');
  }

  /** searchMany() with the algorithm forced: 'mih' = per-query MIH, 'brute' = the multi-query scan. */
  searchManyUsing(queries: readonly Uint8Array[], radius: number | readonly number[], method: 'auto' | 'mih' | 'brute'): HammingHit[][] {
    for (const query of queries) checkKey('HammingIndex.searchMany', query);
    if (typeof radius !== 'number' && radius.length !== queries.length)
      throw new RangeError(`HammingIndex.searchMany: ${queries.length} queries but ${radius.length} radii`);
    const radii = queries.map((_, i) => Math.floor(typeof radius === 'number' ? radius : radius[i]));
    const searched = radii.flatMap((r, i) => (r >= 0 ? [i] : []));
    const result: HammingHit[][] = queries.map(() => []);
    if (searched.length === 0) return result;
    const r = radii[searched[0]];
    const oneRadius = searched.every((i) => radii[i] === r);
    const useMih = method === 'mih' || (method === 'auto' && oneRadius && mihPaysMany(r, this.live, searched.length));
    if (useMih) {
      for (const i of searched) result[i] = this.searchUsing(queries[i], radii[i], method === 'mih' ? 'mih' : 'auto');
      return result;
    }
    if (method === 'auto' && this.offsets && this.live < MIH_MIN_KEYS / 2) this.dropBase();
    const best = searched.map(() => new Map<number, number>());
    for (let first = 0; first < searched.length; first += MAX_QUERIES) {
      const batch = searched.slice(first, first + MAX_QUERIES);
      this.scanAllMany(
        batch.map((i) => queries[i]),
        batch.map((i) => Math.min(radii[i], BITS)),
        best,
        first,
      );
    }
    this.lastSearch = { method: 'brute', visited: this.highWater };
    searched.forEach((i, at) => (result[i] = sortedHits(best[at])));
    return result;
  }

  // ------------------------------------------------------------------------------------------------------

  private deltaLimit(): number {
    return Math.max(1024, Math.floor(Math.sqrt(32 * this.baseLive)));
  }

  /** Frees the postings (the index shrank below the MIH size); dead slots become reusable. */
  private dropBase(): void {
    for (const slot of this.pendingFree) {
      this.state[slot] = STATE_FREE;
      this.freeSlots.push(slot);
    }
    this.pendingFree = [];
    for (let s = 0; s < this.highWater; s++) if (this.state[s] === STATE_BASE) this.state[s] = STATE_DELTA;
    this.delta = [];
    this.offsets = undefined;
    this.postLo = new Uint16Array(0);
    this.postHi = new Uint8Array(0);
    this.baseLive = 0;
    this.baseDead = 0;
  }

  private allocate(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.highWater === this.capacity) this.grow();
    return this.highWater++;
  }

  private grow(): void {
    if (this.capacity >= MAX_SLOTS) throw new RangeError(`HammingIndex: at most ${MAX_SLOTS} keys are supported`);
    const capacity = Math.min(MAX_SLOTS, Math.max(1024, this.capacity * 2));
    const bytes = KEYS_OFFSET + capacity * WORDS * 4;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE)); // in place: the keys stay
    const keys = new Uint32Array(this.memory.buffer, KEYS_OFFSET, capacity * WORDS);
    const ids = this.ids instanceof Int32Array ? new Int32Array(capacity) : new Float64Array(capacity);
    ids.set(this.ids);
    const state = new Uint8Array(capacity);
    state.set(this.state);
    this.keys = keys;
    this.ids = ids;
    this.state = state;
    this.capacity = capacity;
    // The chains, rehashed into a table as large as the capacity (a power of two).
    this.heads = new Int32Array(capacity).fill(-1);
    this.headsShift = 32 - Math.log2(capacity);
    this.chain = new Int32Array(capacity);
    for (let s = 0; s < this.highWater; s++) if (this.state[s] === STATE_BASE || this.state[s] === STATE_DELTA) this.link(s);
  }

  private sameKey(slot: number, words: Uint32Array): boolean {
    const at = slot * WORDS;
    for (let w = 0; w < WORDS; w++) if (this.keys[at + w] !== words[w]) return false;
    return true;
  }

  /** The live slot holding (id, key), or -1. */
  private find(id: number, words: Uint32Array): number {
    for (let slot = this.heads[this.bucket(words[0])]; slot >= 0; slot = this.chain[slot]) {
      if (this.ids[slot] === id && this.sameKey(slot, words)) return slot;
    }
    return -1;
  }

  private bucket(w0: number): number {
    return Math.imul(w0, 0x9e3779b1) >>> this.headsShift;
  }

  /** Puts a live slot in its first word's chain. */
  private link(slot: number): void {
    const b = this.bucket(this.keys[slot * WORDS]);
    this.chain[slot] = this.heads[b];
    this.heads[b] = slot;
  }

  /** Takes a slot out of its chain (chains hold about one slot: the table is as large as the capacity). */
  private unlink(slot: number): void {
    const b = this.bucket(this.keys[slot * WORDS]);
    if (this.heads[b] === slot) {
      this.heads[b] = this.chain[slot];
      return;
    }
    for (let s = this.heads[b]; s >= 0; s = this.chain[s]) {
      if (this.chain[s] === slot) {
        this.chain[s] = this.chain[slot];
        return;
      }
    }
  }

  /** Rebuilds the postings from every live slot (counting sort per table) and frees dead slots. */
  private rebuild(): void {
    for (const slot of this.pendingFree) {
      this.state[slot] = STATE_FREE;
      this.freeSlots.push(slot);
    }
    this.pendingFree = [];
    this.delta = [];
    const slots = new Uint32Array(this.live);
    let n = 0;
    for (let s = 0; s < this.highWater; s++) {
      if (this.state[s] === STATE_BASE || this.state[s] === STATE_DELTA) {
        this.state[s] = STATE_BASE;
        slots[n++] = s;
      }
    }
    // Drop the old postings before allocating the new ones.
    this.postLo = new Uint16Array(0);
    this.postHi = new Uint8Array(0);
    const offsets = this.offsets ?? new Uint32Array(CHUNKS * (CHUNK_VALUES + 1));
    offsets.fill(0);
    const lo = new Uint16Array(CHUNKS * n);
    const hi = new Uint8Array(CHUNKS * n);
    const keys = this.keys;
    const cursor = new Uint32Array(CHUNK_VALUES);
    for (let t = 0; t < CHUNKS; t++) {
      const word = t >>> 1;
      const shift = (t & 1) * 16;
      const base = t * (CHUNK_VALUES + 1);
      for (let i = 0; i < n; i++) offsets[base + 1 + ((keys[slots[i] * WORDS + word] >>> shift) & 0xffff)]++;
      let acc = t * n;
      for (let v = 0; v <= CHUNK_VALUES; v++) {
        acc += offsets[base + v];
        offsets[base + v] = acc;
        if (v < CHUNK_VALUES) cursor[v] = acc;
      }
      for (let i = 0; i < n; i++) {
        const s = slots[i];
        const e = cursor[(keys[s * WORDS + word] >>> shift) & 0xffff]++;
        lo[e] = s & 0xffff;
        hi[e] = s >>> 16;
      }
    }
    this.offsets = offsets;
    this.postLo = lo;
    this.postHi = hi;
    this.baseLive = n;
    this.baseDead = 0;
  }

  /** MIH over the base; returns the entries visited, or -1 when it visited more than `budget` (caller goes brute). */
  private searchBase(r: number, best: Map<number, number>, budget: number): number {
    const offsets = this.offsets!;
    const lo = this.postLo;
    const hi = this.postHi;
    const keys = this.keys;
    const state = this.state;
    const ids = this.ids;
    const q = this.q;
    const thr = thresholds(r);
    let visited = 0;
    for (let t = 0; t < CHUNKS; t++) {
      const k = thr[t];
      if (k < 0) continue;
      const v = (q[t >>> 1] >>> ((t & 1) * 16)) & 0xffff;
      const base = t * (CHUNK_VALUES + 1);
      const probes = MASKS_UPTO[k];
      for (let p = 0; p < probes; p++) {
        const bucket = base + (v ^ MASKS[p]);
        const end = offsets[bucket + 1];
        let e = offsets[bucket];
        visited += end - e;
        if (visited > budget) return -1;
        for (; e < end; e++) {
          const slot = lo[e] | (hi[e] << 16);
          if (state[slot] !== STATE_BASE) continue;
          // Verify: full distance with early exit; skip if an earlier probed table already reached this slot.
          const at = slot * WORDS;
          let d = 0;
          let w = 0;
          for (; w < WORDS; w++) {
            const x = keys[at + w] ^ q[w];
            const d0 = POP16[x & 0xffff];
            const d1 = POP16[x >>> 16];
            const c = w << 1;
            if ((c < t && d0 <= thr[c]) || (c + 1 < t && d1 <= thr[c + 1])) break;
            d += d0 + d1;
            if (d > r) break;
          }
          if (w < WORDS) continue;
          const id = ids[slot];
          const prev = best.get(id);
          if (prev === undefined || d < prev) best.set(id, d);
        }
      }
    }
    return visited;
  }

  private verify(slot: number, r: number, best: Map<number, number>): void {
    const keys = this.keys;
    const q = this.q;
    const at = slot * WORDS;
    let d = 0;
    for (let w = 0; w < WORDS; w++) {
      const x = keys[at + w] ^ q[w];
      d += POP16[x & 0xffff] + POP16[x >>> 16];
      if (d > r) return;
    }
    const id = this.ids[slot];
    const prev = best.get(id);
    if (prev === undefined || d < prev) best.set(id, d);
  }

  private scanSlots(slots: number[], r: number, best: Map<number, number>): void {
    for (const slot of slots) if (this.state[slot] === STATE_DELTA) this.verify(slot, r, best);
  }

  /**
   * Brute scan of every live slot against k ≤ 16 queries in one pass, query j within radii[j] (≤ 256); hits
   * of query j go to best[first + j].
   */
  private scanAllMany(queries: readonly Uint8Array[], radii: readonly number[], best: Map<number, number>[], first: number): void {
    const k = queries.length;
    const mem = new Uint32Array(this.memory.buffer);
    for (let j = 0; j < k; j++) {
      toWords(queries[j], mem, j * WORDS);
      mem[RADII_OFFSET / 4 + j] = radii[j];
    }
    const state = this.state;
    const ids = this.ids;
    const scan = this.many(radii.map(checkWords));
    const block = Math.floor(SCAN_BLOCK / k);
    for (let start = 0; start < this.highWater; start += block) {
      const n = Math.min(block, this.highWater - start);
      const hits = scan(KEYS_OFFSET + start * WORDS * 4, n, 0, RADII_OFFSET, OUT_OFFSET);
      for (let h = 0, at = OUT_OFFSET / 4; h < hits; h++, at += 2) {
        const s = (mem[at] - KEYS_OFFSET) / (WORDS * 4);
        const st = state[s];
        if (st !== STATE_BASE && st !== STATE_DELTA) continue;
        const id = ids[s];
        const word = mem[at + 1];
        const d = word & 0xffff;
        const map = best[first + (word >>> 16)];
        const prev = map.get(id);
        if (prev === undefined || d < prev) map.set(id, d);
      }
    }
  }
}
