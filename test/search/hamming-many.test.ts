import * as assert from 'node:assert/strict';
import { HammingIndex, MIH_MIN_KEYS, mihPaysMany, type HammingHit } from '../../daemon/search/hamming';
import { checkWords } from '../../daemon/search/scan-wasm';
import { flip, randomKey, rng, slowDistance } from '../fixtures/keys';

/** The (id, key) pairs the index should hold, searched by brute force. */
class Reference {
  readonly pairs = new Map<string, { id: number; key: Uint8Array }>();
  add(id: number, key: Uint8Array): void {
    this.pairs.set(`${id}:${Buffer.from(key).toString('hex')}`, { id, key });
  }
  remove(id: number, key: Uint8Array): void {
    this.pairs.delete(`${id}:${Buffer.from(key).toString('hex')}`);
  }
  /** Per query, every pair's distance computed once (the oracle is slow), then filtered per radius. */
  distances(queries: Uint8Array[]): Array<Array<{ id: number; d: number }>> {
    const all = [...this.pairs.values()];
    return queries.map((q) => all.map(({ id, key }) => ({ id, d: slowDistance(q, key) })));
  }
}

function within(dists: Array<{ id: number; d: number }>, r: number): HammingHit[] {
  const best = new Map<number, number>();
  for (const { id, d } of dists) if (d <= r && d < (best.get(id) ?? Infinity)) best.set(id, d);
  return [...best].map(([id, distance]) => ({ id, distance })).sort((x, y) => x.distance - y.distance || x.id - y.id);
}

const RADII = [0, 15, 16, 31, 32, 33, 48, 64, 79, 80, 81, 256];
/** Fewer radii for the 12 000-key cases (the oracle and forced MIH at large radii are slow). */
const LARGE_RADII = [0, 16, 32, 33, 48, 80, 81];
const PLANT_AT = [0, 1, 16, 31, 32, 33, 47, 48, 63, 64, 65, 79, 80, 81];

/**
 * searchMany (every method) equals brute force for each query, and equals search() per query. Queries: the
 * planted ones (neighbours at PLANT_AT), random ones, duplicates; counts crossing the 16-query pass.
 */
function assertMany(index: HammingIndex, ref: Reference, queries: Uint8Array[], label: string, radii = RADII): void {
  const dists = ref.distances(queries);
  for (const r of radii) {
    const expected = dists.map((d) => within(d, r));
    for (const method of ['auto', 'mih', 'brute'] as const) {
      assert.deepEqual(index.searchManyUsing(queries, r, method), expected, `${label}: radius ${r}, ${method}, ${queries.length} queries`);
    }
    assert.deepEqual(
      queries.map((q) => index.search(q, r)),
      expected,
      `${label}: search() per query, radius ${r}`,
    );
  }
}

describe('HammingIndex.searchMany', () => {
  const qnext = rng(42);
  const planted = Array.from({ length: 5 }, () => randomKey(qnext));
  // 5 planted + 14 random + 1 duplicate = 20 queries: two passes of the 16-query kernel.
  const queries = [...planted, ...Array.from({ length: 14 }, () => randomKey(qnext)), planted[2]];

  function build(n: number, seed: number): { index: HammingIndex; ref: Reference; next: () => number } {
    const next = rng(seed);
    const index = new HammingIndex();
    const ref = new Reference();
    let id = 0;
    for (let i = 0; i < n; i++) {
      const key = randomKey(next);
      index.add(id, key);
      ref.add(id++, key);
    }
    for (const q of planted) {
      for (const d of PLANT_AT) {
        const key = flip(q, d, next);
        // Two keys per id sometimes: the smallest distance must win.
        index.add(id, key);
        ref.add(id, key);
        if (d % 2 === 1) {
          const other = flip(q, Math.min(256, d + 3), next);
          index.add(id, other);
          ref.add(id, other);
        }
        id++;
      }
    }
    return { index, ref, next };
  }

  it('equals brute force and search() per query, every query count from 1 to 20, below the MIH size', () => {
    const { index, ref } = build(MIH_MIN_KEYS - 300, 1);
    for (const k of [1, 2, 7, 15, 16, 17, 20]) assertMany(index, ref, queries.slice(0, k), `small, k=${k}`, [0, 32, 80, 256]);
    assertMany(index, ref, queries, 'small');
  });

  it('equals brute force above the MIH size, through the tables, the side list, removes and re-adds', () => {
    const { index, ref, next } = build(12_000, 2);
    assertMany(index, ref, queries, 'fresh (no tables)', LARGE_RADII);
    index.searchUsing(planted[0], 32, 'mih'); // builds the tables; later adds go to the side list
    let id = 1_000_000;
    for (let i = 0; i < 800; i++) {
      const key = i % 8 === 0 ? flip(planted[i % planted.length], i % 90, next) : randomKey(next);
      index.add(id, key);
      ref.add(id++, key);
    }
    assertMany(index, ref, queries, 'tables + side list', LARGE_RADII);
    const all = [...ref.pairs.values()];
    for (let i = 0; i < all.length; i += 3) {
      index.remove(all[i].id, all[i].key);
      ref.remove(all[i].id, all[i].key);
    }
    assertMany(index, ref, queries, 'after removes', LARGE_RADII);
    for (let i = 0; i < all.length; i += 6) {
      index.add(all[i].id, all[i].key);
      ref.add(all[i].id, all[i].key);
    }
    assertMany(index, ref, queries, 'after re-adds', LARGE_RADII);
  });

  it('finds hits on both sides of every scan block (4 096 keys for 16 queries)', () => {
    const next = rng(3);
    const index = new HammingIndex();
    const qs = Array.from({ length: 16 }, () => randomKey(next));
    const expected: HammingHit[][] = qs.map(() => []);
    for (let i = 0; i < 20_000; i++) {
      const edge = i % 4096 === 0 || i % 4096 === 4095;
      const j = i % 16;
      const key = edge ? flip(qs[j], i % 81, next) : randomKey(next);
      index.add(i, key);
      if (edge) expected[j].push({ id: i, distance: i % 81 });
    }
    for (const e of expected) e.sort((x, y) => x.distance - y.distance || x.id - y.id);
    const got = index.searchManyUsing(qs, 80, 'brute');
    // Random keys within 80 bits of a query (about 1e-11 each) do not occur with this seed.
    assert.deepEqual(got, expected);
  });

  it('takes one radius per query: each query within its own, tested after as few words as its radius needs', () => {
    // Radii on both sides of every checkWords boundary (1 word up to 23, 2 up to 52, 3 up to 82, then 4).
    const radii = [0, 23, 24, 52, 53, 32, 80, 82, 83, 128, 256, 31, 79, 81, 1, 47, 22, 60];
    assert.deepEqual([23, 24, 52, 53, 82, 83].map(checkWords), [1, 2, 2, 3, 3, 4]);
    const next = rng(5);
    const index = new HammingIndex();
    const ref = new Reference();
    const qs = radii.map(() => randomKey(next));
    /** `key` with d bits flipped among words [from, to) of its 4 64-bit words (a partial distance at its largest, or nil). */
    const flipIn = (key: Uint8Array, d: number, from: number, to: number): Uint8Array => {
      const out = Uint8Array.from(key);
      const bits = Array.from({ length: 64 * (to - from) }, (_, i) => 64 * from + i);
      for (let i = 0; i < Math.min(d, bits.length); i++) {
        const j = i + Math.floor(next() * (bits.length - i));
        [bits[i], bits[j]] = [bits[j], bits[i]];
        out[bits[i] >> 3] ^= 1 << (bits[i] & 7);
      }
      return out;
    };
    let id = 0;
    for (let i = 0; i < 3000; i++) {
      const key = randomKey(next);
      index.add(id, key);
      ref.add(id++, key);
    }
    qs.forEach((q, j) => {
      for (const d of [radii[j] - 1, radii[j], radii[j] + 1].filter((x) => x >= 0 && x <= 256)) {
        for (const [from, to] of [
          [0, 4],
          [0, 1],
          [0, 2],
          [0, 3],
          [1, 4],
          [3, 4],
          [2, 4],
        ]) {
          if (d > 64 * (to - from)) continue;
          const key = flipIn(q, d, from, to);
          index.add(id, key);
          ref.add(id++, key);
        }
      }
    });
    const dists = ref.distances(qs);
    const expected = dists.map((d, j) => within(d, radii[j]));
    assert.deepEqual(index.searchMany(qs, radii), expected, 'searchMany with radii');
    assert.deepEqual(index.searchManyUsing(qs, radii, 'mih'), expected, 'per-query MIH with radii');
    assert.deepEqual(
      qs.map((q, j) => index.search(q, radii[j])),
      expected,
      'search() per query',
    );
    assert.ok(
      expected.every((hits, j) => hits.some((h) => h.distance === radii[j])),
      'every query has a hit at its radius',
    );
    assert.throws(() => index.searchMany(qs, [80]), /18 queries but 1 radii/);
  });

  it('chooses per-query MIH only where it pays, and the one-pass scan at the graph radius', () => {
    assert.ok(mihPaysMany(16, 100_000, 10));
    assert.ok(!mihPaysMany(80, 1_000_000, 10));
    assert.ok(!mihPaysMany(32, 1000, 10), 'below the MIH size');
    const { index } = build(12_000, 4);
    index.searchMany(queries.slice(0, 10), 80);
    assert.equal(index.lastSearch.method, 'brute');
    index.searchMany(queries.slice(0, 10), 8);
    assert.equal(index.lastSearch.method, 'mih');
  });

  it('handles no queries, a negative radius, and rejects a bad key naming the method', () => {
    const index = new HammingIndex();
    index.add(1, new Uint8Array(32));
    assert.deepEqual(index.searchMany([], 80), []);
    assert.deepEqual(index.searchMany([new Uint8Array(32), new Uint8Array(32)], -1), [[], []]);
    assert.deepEqual(index.searchMany([new Uint8Array(32)], 0), [[{ id: 1, distance: 0 }]]);
    assert.throws(
      () => index.searchMany([new Uint8Array(32), new Uint8Array(16)], 80),
      /HammingIndex.searchMany: expected a 256-bit key \(Uint8Array of 32 bytes\) but received 16 bytes/,
    );
  });
});
