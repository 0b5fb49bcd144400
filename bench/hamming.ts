/**
 * Hamming search and index store benchmark. Synthetic uniform 256-bit keys at 10^4, 10^5, 10^6 with planted
 * near neighbours at known distances; every MIH answer is checked against a brute-force reference.
 * Also: putFile + putContent of 100 000 records, then 100 000 getFile lookups (a warm rescan).
 *
 *   node out/bench/hamming.js [--sizes 10000,100000,1000000] [--queries 200] [--json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HammingIndex, hammingDistance256, mihVisitedFraction, type HammingHit } from '../daemon/search/hamming';
import { open } from 'lmdb';
import { IndexStore } from '../daemon/index/store';

export interface QueryStats {
  radius: number;
  /** Median and 95th percentile, milliseconds per query. */
  mihMedianMs: number;
  mihP95Ms: number;
  bruteMedianMs: number;
  bruteP95Ms: number;
  /** What search() (the automatic choice) used, and its median. */
  autoMethod: string;
  autoMedianMs: number;
  /** Brute median / MIH median, measured in the same run. */
  speedup: number;
  /** Expected visited fraction of postings (uniform keys) and the measured mean. */
  expectedVisited: number;
  measuredVisited: number;
  /** Planted neighbours found / planted neighbours within the radius. */
  planted: string;
  exact: boolean;
}

export interface SizeResult {
  keys: number;
  buildMs: number;
  /** First MIH search after the adds: builds the postings. */
  firstBuildMs: number;
  indexBytes: number;
  bytesPerKey: number;
  heapDeltaMB: number;
  queries: QueryStats[];
}

export interface StoreResult {
  /** 'raw' = plain lmdb-js puts and gets of the same records, no overlay, no sha index: the floor. */
  mode: 'synced' | 'noSync' | 'raw';
  records: number;
  putMs: number;
  flushMs: number;
  getFileMs: number;
  getFileUsPerLookup: number;
  reopenAndGetMs: number;
}

export interface HammingResult {
  sizes: SizeResult[];
  crossover: { radius: number; keys: number; mihMs: number; bruteMs: number }[];
  store: StoreResult[];
}

/** Deterministic PRNG (xorshift32) so runs are comparable. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function randomKey(next: () => number): Uint8Array {
  const key = new Uint8Array(32);
  const v = new Uint32Array(key.buffer);
  for (let i = 0; i < 8; i++) v[i] = next();
  return key;
}

/** A copy of `key` with exactly `d` distinct bits flipped. */
export function flipBits(key: Uint8Array, d: number, next: () => number): Uint8Array {
  const out = Uint8Array.from(key);
  const bits = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0; i < d; i++) {
    const j = i + (next() % (256 - i));
    [bits[i], bits[j]] = [bits[j], bits[i]];
    out[bits[i] >>> 3] ^= 1 << (bits[i] & 7);
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function timeQueries(run: (i: number) => void, count: number): { median: number; p95: number } {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    run(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

function sameHits(a: HammingHit[], b: HammingHit[]): boolean {
  return a.length === b.length && a.every((h, i) => h.id === b[i].id && h.distance === b[i].distance);
}

/** Brute-force reference with the exported distance function: the exactness oracle. */
function reference(keys: Uint8Array[], ids: number[], query: Uint8Array, r: number): HammingHit[] {
  const best = new Map<number, number>();
  for (let i = 0; i < keys.length; i++) {
    const d = hammingDistance256(keys[i], query);
    if (d <= r && (best.get(ids[i]) ?? Infinity) > d) best.set(ids[i], d);
  }
  return [...best].map(([id, distance]) => ({ id, distance })).sort((x, y) => x.distance - y.distance || x.id - y.id);
}

const PLANT_DISTANCES = [0, 1, 8, 16, 24, 31, 32, 33, 48, 63, 64, 65, 70];

async function benchSize(n: number, radii: number[], queryCount: number, log: (s: string) => void): Promise<SizeResult> {
  const next = rng(0x9e3779b9 ^ n);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  // Query keys, each with planted neighbours at known distances (ids ≥ n), the rest random.
  const queries: Uint8Array[] = [];
  for (let i = 0; i < queryCount; i++) queries.push(randomKey(next));
  const index = new HammingIndex();
  const keys: Uint8Array[] = [];
  const ids: number[] = [];
  const plantedPerQuery = Math.min(queryCount, 50);
  const t0 = performance.now();
  let id = 0;
  for (let i = 0; i < n - plantedPerQuery * PLANT_DISTANCES.length; i++) {
    const key = randomKey(next);
    index.add(id, key);
    if (n <= 100_000) {
      keys.push(key);
      ids.push(id);
    }
    id++;
  }
  const planted: { query: number; id: number; distance: number; key: Uint8Array }[] = [];
  for (let qi = 0; qi < plantedPerQuery; qi++) {
    for (const d of PLANT_DISTANCES) {
      const key = flipBits(queries[qi], d, next);
      index.add(id, key);
      planted.push({ query: qi, id, distance: d, key });
      if (n <= 100_000) {
        keys.push(key);
        ids.push(id);
      }
      id++;
    }
  }
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  index.searchUsing(queries[0], 32, 'mih');
  const firstBuildMs = performance.now() - t1;
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

  const stats: QueryStats[] = [];
  for (const r of radii) {
    let exact = true;
    let found = 0;
    let expected = 0;
    // Exactness: MIH against the reference (or, at 10^6, against the index's own brute scan).
    for (let qi = 0; qi < Math.min(queryCount, 60); qi++) {
      const mih = index.searchUsing(queries[qi], r, 'mih');
      const ref = n <= 100_000 ? reference(keys, ids, queries[qi], r) : index.searchUsing(queries[qi], r, 'brute');
      if (!sameHits(mih, ref)) exact = false;
      for (const p of planted) {
        if (p.query !== qi || p.distance > r) continue;
        expected++;
        if (mih.some((h) => h.id === p.id && h.distance === p.distance)) found++;
      }
    }
    let visitedSum = 0;
    const mih = timeQueries((i) => {
      index.searchUsing(queries[i], r, 'mih');
      visitedSum += index.lastSearch.visited;
    }, queryCount);
    const brute = timeQueries((i) => index.searchUsing(queries[i], r, 'brute'), queryCount);
    const auto = timeQueries((i) => index.search(queries[i], r), queryCount);
    const s: QueryStats = {
      radius: r,
      mihMedianMs: mih.median,
      mihP95Ms: mih.p95,
      bruteMedianMs: brute.median,
      bruteP95Ms: brute.p95,
      autoMethod: index.lastSearch.method,
      autoMedianMs: auto.median,
      speedup: brute.median / mih.median,
      expectedVisited: mihVisitedFraction(r),
      measuredVisited: visitedSum / queryCount / index.size,
      planted: `${found}/${expected}`,
      exact: exact && found === expected,
    };
    stats.push(s);
    log(
      `n=${n} r=${r}: MIH ${s.mihMedianMs.toFixed(3)} ms (p95 ${s.mihP95Ms.toFixed(3)}), brute ${s.bruteMedianMs.toFixed(3)} ms ` +
        `(p95 ${s.bruteP95Ms.toFixed(3)}), ×${s.speedup.toFixed(1)}; auto=${s.autoMethod} ${s.autoMedianMs.toFixed(3)} ms; ` +
        `visited ${(100 * s.measuredVisited).toFixed(2)} % (expected ${(100 * s.expectedVisited).toFixed(2)} %); planted ${s.planted}; exact ${s.exact}`,
    );
  }
  const result: SizeResult = {
    keys: index.size,
    buildMs,
    firstBuildMs,
    indexBytes: index.memoryBytes,
    bytesPerKey: index.memoryBytes / index.size,
    heapDeltaMB: (heapAfter - heapBefore) / 2 ** 20,
    queries: stats,
  };
  log(
    `n=${n}: adds ${buildMs.toFixed(0)} ms, first MIH search (builds postings) ${firstBuildMs.toFixed(0)} ms, ` +
      `index ${(result.indexBytes / 2 ** 20).toFixed(1)} MB (${result.bytesPerKey.toFixed(1)} B/key), heap+buffers Δ ${result.heapDeltaMB.toFixed(1)} MB`,
  );
  return result;
}

/** Where MIH starts to beat the brute scan, per radius (small sizes). */
function crossover(radii: number[], log: (s: string) => void): HammingResult['crossover'] {
  const out: HammingResult['crossover'] = [];
  const next = rng(12345);
  for (const n of [1024, 2048, 4096, 8192, 16384, 32768, 65536]) {
    const index = new HammingIndex();
    for (let i = 0; i < n; i++) index.add(i, randomKey(next));
    const queries = Array.from({ length: 1000 }, () => randomKey(next));
    for (const r of radii) {
      const mih = timeQueries((i) => index.searchUsing(queries[i], r, 'mih'), queries.length);
      const brute = timeQueries((i) => index.searchUsing(queries[i], r, 'brute'), queries.length);
      out.push({ radius: r, keys: n, mihMs: mih.median, bruteMs: brute.median });
      log(`crossover n=${n} r=${r}: MIH ${mih.median.toFixed(4)} ms, brute ${brute.median.toFixed(4)} ms`);
    }
  }
  return out;
}

async function benchStore(records: number, sync: boolean, log: (s: string) => void): Promise<StoreResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-store-'));
  try {
    const next = rng(777);
    let store = IndexStore.open<{ hash: Uint8Array; width: number; height: number }>(dir, { schemaVersion: 1, sync });
    const paths: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < records; i++) {
      const p = `/site/assets/${i % 100}/image-${i}.png`;
      paths.push(p);
      const sha = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8);
      store.putContent({ sha256: sha, bytes: 1000 + i, fingerprint: { hash: randomKey(next), width: 640, height: 480 } });
      store.putFile({ path: p, size: 1000 + i, mtimeMs: 1_700_000_000_000 + i, ino: i, sha256: sha });
      if (i % 1000 === 999) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const putMs = performance.now() - t0;
    const t1 = performance.now();
    await store.flushed();
    const flushMs = performance.now() - t1;
    const t2 = performance.now();
    let found = 0;
    for (const p of paths) if (store.getFile(p)) found++;
    const getFileMs = performance.now() - t2;
    if (found !== records) throw new Error(`store bench: ${found} of ${records} records read back`);
    await store.close();
    const t3 = performance.now();
    store = IndexStore.open(dir, { schemaVersion: 1, sync });
    found = 0;
    for (const p of paths) if (store.getFile(p)) found++;
    const reopenAndGetMs = performance.now() - t3;
    await store.close();
    if (found !== records) throw new Error(`store bench: ${found} of ${records} records read back after reopen`);
    const r: StoreResult = {
      mode: sync ? 'synced' : 'noSync',
      records,
      putMs,
      flushMs,
      getFileMs,
      getFileUsPerLookup: (1000 * getFileMs) / records,
      reopenAndGetMs,
    };
    log(
      `store (${sync ? 'synced' : 'noSync'}): ${records} putContent+putFile ${putMs.toFixed(0)} ms + flush ${flushMs.toFixed(0)} ms; ` +
        `${records} getFile ${getFileMs.toFixed(0)} ms (${r.getFileUsPerLookup.toFixed(2)} µs each); reopen + ${records} getFile ${reopenAndGetMs.toFixed(0)} ms`,
    );
    return r;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same writes and reads through lmdb-js directly (three databases, no overlay): the floor to compare with. */
async function benchRawLmdb(records: number, log: (s: string) => void): Promise<StoreResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-raw-'));
  const next = rng(777);
  try {
    const root = open({ path: dir, noSubdir: false, maxDbs: 8 });
    const files = root.openDB({ name: 'files', encoding: 'msgpack' });
    const contents = root.openDB({ name: 'contents', encoding: 'msgpack' });
    const sha = root.openDB({ name: 'sha', dupSort: true, encoding: 'ordered-binary' });
    const paths: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < records; i++) {
      const p = `/site/assets/${i % 100}/image-${i}.png`;
      paths.push(p);
      const digest = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8);
      void contents.put(digest, { sha256: digest, bytes: 1000 + i, fingerprint: { hash: randomKey(next), width: 640, height: 480 } });
      void files.put(p, { path: p, size: 1000 + i, mtimeMs: 1_700_000_000_000 + i, ino: i, sha256: digest });
      void sha.put(digest, p);
      if (i % 1000 === 999) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const putMs = performance.now() - t0;
    const t1 = performance.now();
    await root.flushed;
    const flushMs = performance.now() - t1;
    const t2 = performance.now();
    let found = 0;
    for (const p of paths) if (files.get(p)) found++;
    const getFileMs = performance.now() - t2;
    await root.close();
    if (found !== records) throw new Error(`raw bench: ${found} of ${records} read back`);
    const r: StoreResult = {
      mode: 'raw',
      records,
      putMs,
      flushMs,
      getFileMs,
      getFileUsPerLookup: (1000 * getFileMs) / records,
      reopenAndGetMs: Number.NaN,
    };
    log(
      `store (raw lmdb-js): ${records} puts ×3 ${putMs.toFixed(0)} ms + flush ${flushMs.toFixed(0)} ms; ${records} get ${getFileMs.toFixed(0)} ms (${r.getFileUsPerLookup.toFixed(2)} µs each)`,
    );
    return r;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runHamming(
  options: { sizes?: number[]; radii?: number[]; queries?: number; storeRecords?: number; log?: (s: string) => void } = {},
): Promise<HammingResult> {
  const log = options.log ?? ((s: string) => console.log(s));
  const radii = options.radii ?? [32, 64];
  const sizes: SizeResult[] = [];
  for (const n of options.sizes ?? [10_000, 100_000, 1_000_000]) sizes.push(await benchSize(n, radii, options.queries ?? 200, log));
  const cross = crossover(radii, log);
  const records = options.storeRecords ?? 100_000;
  const store = [await benchStore(records, true, log), await benchStore(records, false, log), await benchRawLmdb(records, log)];
  return { sizes, crossover: cross, store };
}

if (require.main === module) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const json = process.argv.includes('--json');
  runHamming({
    sizes: arg('--sizes')?.split(',').map(Number),
    radii: arg('--radii')?.split(',').map(Number),
    queries: arg('--queries') ? Number(arg('--queries')) : undefined,
    storeRecords: arg('--store') ? Number(arg('--store')) : undefined,
    log: json ? () => undefined : undefined,
  }).then(
    (result) => {
      if (json) console.log(JSON.stringify(result, null, 2));
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
