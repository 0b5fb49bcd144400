import * as assert from 'node:assert/strict';
import { HammingIndex, hammingDistance256, mihPays, MIH_MIN_KEYS, type HammingHit } from '../../daemon/search/hamming';
import { flip, randomKey, rng, slowDistance } from '../fixtures/keys';

/** Oracle for the large cases: a byte table, still independent of the module's code. */
const BYTE_POP = Uint8Array.from({ length: 256 }, (_, v) => {
  let c = 0;
  for (let b = v; b; b >>= 1) c += b & 1;
  return c;
});
function tableDistance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < 32; i++) d += BYTE_POP[a[i] ^ b[i]];
  return d;
}

class Reference {
  readonly pairs = new Map<string, { id: number; key: Uint8Array }>();
  private name(id: number, key: Uint8Array): string {
    return `${id}:${Buffer.from(key).toString('hex')}`;
  }
  add(id: number, key: Uint8Array): void {
    this.pairs.set(this.name(id, key), { id, key });
  }
  remove(id: number, key: Uint8Array): void {
    this.pairs.delete(this.name(id, key));
  }
  search(query: Uint8Array, r: number): HammingHit[] {
    const best = new Map<number, number>();
    for (const { id, key } of this.pairs.values()) {
      const d = tableDistance(query, key);
      if (d <= r && d < (best.get(id) ?? Infinity)) best.set(id, d);
    }
    return [...best].map(([id, distance]) => ({ id, distance })).sort((x, y) => x.distance - y.distance || x.id - y.id);
  }
}

const RADII = [0, 3, 15, 16, 17, 31, 32, 33, 47, 48, 64, 80];

/** An index and its oracle with `n` random keys plus, for each query, neighbours planted at known distances. */
function build(
  n: number,
  seed: number,
  queries: Uint8Array[],
  plantAt: number[],
): { index: HammingIndex; ref: Reference; next: () => number } {
  const next = rng(seed);
  const index = new HammingIndex();
  const ref = new Reference();
  let id = 0;
  for (let i = 0; i < n; i++) {
    const key = randomKey(next);
    index.add(id, key);
    ref.add(id, key);
    id++;
  }
  for (const q of queries) {
    for (const d of plantAt) {
      const key = flip(q, d, next);
      index.add(id, key);
      ref.add(id, key);
      id++;
    }
  }
  return { index, ref, next };
}

function assertSame(index: HammingIndex, ref: Reference, queries: Uint8Array[], radii: number[], label: string): void {
  for (const [qi, q] of queries.entries()) {
    for (const r of radii) {
      const expected = ref.search(q, r);
      for (const method of ['auto', 'mih', 'brute'] as const) {
        assert.deepEqual(index.searchUsing(q, r, method), expected, `${label}: query ${qi}, radius ${r}, ${method}`);
      }
    }
  }
}

describe('hammingDistance256', () => {
  it('counts differing bits of every word', () => {
    const zero = new Uint8Array(32);
    assert.equal(hammingDistance256(zero, zero), 0);
    assert.equal(hammingDistance256(zero, new Uint8Array(32).fill(0xff)), 256);
    const next = rng(1);
    for (let i = 0; i < 200; i++) {
      const a = randomKey(next);
      const b = randomKey(next);
      assert.equal(hammingDistance256(a, b), slowDistance(a, b));
      assert.equal(tableDistance(a, b), slowDistance(a, b));
    }
    for (let bit = 0; bit < 256; bit++) {
      const b = new Uint8Array(32);
      b[bit >> 3] = 1 << (bit & 7);
      assert.equal(hammingDistance256(zero, b), 1, `bit ${bit}`);
    }
  });

  it('works on unaligned subarrays', () => {
    const buf = new Uint8Array(70).fill(0xaa);
    buf[1] = 0xab;
    assert.equal(hammingDistance256(buf.subarray(1, 33), buf.subarray(37, 69)), 1);
  });

  it('rejects keys that are not 32 bytes, saying what it got', () => {
    assert.throws(() => hammingDistance256(new Uint8Array(8), new Uint8Array(32)), {
      name: 'RangeError',
      message: 'hammingDistance256: expected a 256-bit key (Uint8Array of 32 bytes) but received 8 bytes',
    });
  });
});

describe('HammingIndex', () => {
  const qnext = rng(99);
  const queries = Array.from({ length: 6 }, () => randomKey(qnext));
  const plantAt = [0, 1, 15, 16, 17, 31, 32, 33, 40, 48, 63, 64, 65, 80];

  it('returns exactly what brute force returns, above the MIH size, at every radius', () => {
    const { index, ref } = build(12_000, 7, queries, plantAt);
    assert.ok(mihPays(32, index.size) && !mihPays(64, index.size), 'the sizes this test needs');
    assertSame(index, ref, queries, RADII, 'fresh');
    // The MIH path really ran (not the brute fallback) at the small radii.
    index.search(queries[0], 32);
    assert.equal(index.lastSearch.method, 'mih');
    // Every planted neighbour within the radius is found at its exact distance.
    const hits = index.search(queries[0], 32);
    for (const d of plantAt.filter((x) => x <= 32))
      assert.ok(
        hits.some((h) => h.distance === d),
        `planted at ${d}`,
      );
  });

  it('stays exact through removes, re-adds (slot reuse) and delta growth', () => {
    const { index, ref, next } = build(12_000, 8, queries, plantAt);
    index.search(queries[0], 32); // builds the postings
    const all = [...ref.pairs.values()];
    // Remove a third, including planted neighbours.
    for (let i = 0; i < all.length; i += 3) {
      index.remove(all[i].id, all[i].key);
      ref.remove(all[i].id, all[i].key);
    }
    assert.equal(index.size, ref.pairs.size);
    assertSame(index, ref, queries, RADII, 'after removes');
    // Add more (some reuse freed slots after the next rebuild), with new planted neighbours.
    let id = 1_000_000;
    for (let i = 0; i < 3000; i++) {
      const key = i % 10 === 0 ? flip(queries[i % queries.length], i % 70, next) : randomKey(next);
      index.add(id, key);
      ref.add(id, key);
      id++;
      if (i % 1000 === 0) assertSame(index, ref, queries.slice(0, 2), [16, 32, 64], `during adds ${i}`);
    }
    assertSame(index, ref, queries, RADII, 'after adds');
    // Re-add what was removed.
    for (let i = 0; i < all.length; i += 3) {
      index.add(all[i].id, all[i].key);
      ref.add(all[i].id, all[i].key);
    }
    assert.equal(index.size, ref.pairs.size);
    assertSame(index, ref, queries, RADII, 'after re-adds');
  });

  it('is exact below the MIH size too', () => {
    const { index, ref } = build(MIH_MIN_KEYS - 200, 9, queries, plantAt);
    assertSame(index, ref, queries, RADII, 'small');
    index.search(queries[0], 32);
    assert.equal(index.lastSearch.method, 'brute');
  });

  it('scans past the WebAssembly block size (65 536 keys) without losing hits', () => {
    const next = rng(21);
    const index = new HammingIndex();
    const q = randomKey(next);
    const expected: HammingHit[] = [];
    for (let i = 0; i < 140_000; i++) {
      const near = i % 20_000 === 19_999 || i === 65_535 || i === 65_536;
      const key = near ? flip(q, i % 50, next) : randomKey(next);
      index.add(i, key);
      if (near) expected.push({ id: i, distance: i % 50 });
    }
    expected.sort((x, y) => x.distance - y.distance || x.id - y.id);
    assert.deepEqual(index.searchUsing(q, 64, 'brute'), expected);
    assert.deepEqual(index.search(q, 64), expected);
  });

  it('reports each id once with its smallest distance over its keys', () => {
    const index = new HammingIndex();
    const next = rng(3);
    const q = randomKey(next);
    index.add(1, flip(q, 20, next));
    index.add(1, flip(q, 5, next));
    index.add(1, flip(q, 12, next));
    index.add(2, flip(q, 30, next));
    assert.deepEqual(index.search(q, 32), [
      { id: 1, distance: 5 },
      { id: 2, distance: 30 },
    ]);
    assert.deepEqual(index.search(q, 4), []);
    assert.equal(index.size, 4);
  });

  it('is a set of (id, key) pairs: a second add and an absent remove do nothing', () => {
    const index = new HammingIndex();
    const key = new Uint8Array(32).fill(7);
    index.add(5, key);
    index.add(5, Uint8Array.from(key));
    assert.equal(index.size, 1);
    index.add(6, key);
    assert.equal(index.size, 2);
    index.remove(5, key);
    index.remove(5, key);
    index.remove(9, key);
    assert.equal(index.size, 1);
    assert.deepEqual(index.search(key, 0), [{ id: 6, distance: 0 }]);
  });

  it('accepts ids that do not fit 32 bits', () => {
    const index = new HammingIndex();
    const key = new Uint8Array(32);
    index.add(1, key);
    index.add(2 ** 40 + 0.5, key);
    index.add(-3, key);
    assert.deepEqual(
      index.search(key, 0).map((h) => h.id),
      [-3, 1, 2 ** 40 + 0.5],
    );
  });

  it('stays exact on clustered keys (MIH gives up and scans)', () => {
    // Half the keys share one value in every chunk but the last: the uniform estimate is far off.
    const next = rng(11);
    const index = new HammingIndex();
    const ref = new Reference();
    const base = randomKey(next);
    for (let i = 0; i < 16_384; i++) {
      const key = i % 2 ? randomKey(next) : Uint8Array.from(base);
      if (i % 2 === 0) {
        key[30] = i & 0xff;
        key[31] = (i >> 8) & 0xff;
      }
      index.add(i, key);
      ref.add(i, key);
    }
    const q = flip(base, 10, next);
    for (const r of [16, 32, 48]) assert.deepEqual(index.search(q, r), ref.search(q, r), `radius ${r}`);
    index.search(q, 32);
    assert.equal(index.lastSearch.method, 'mih→brute');
  });

  it('returns nothing for a negative radius and everything at 256', () => {
    const index = new HammingIndex();
    const next = rng(5);
    for (let i = 0; i < 10; i++) index.add(i, randomKey(next));
    assert.deepEqual(index.search(new Uint8Array(32), -1), []);
    assert.equal(index.search(new Uint8Array(32), 256).length, 10);
  });

  it('rejects a bad key or option with a message naming it', () => {
    const index = new HammingIndex();
    assert.throws(
      () => index.add(1, new Uint8Array(31)),
      /HammingIndex.add: expected a 256-bit key \(Uint8Array of 32 bytes\) but received 31 bytes/,
    );
    assert.throws(() => index.add(Number.NaN, new Uint8Array(32)), /expected a finite number for id but received NaN/);
    assert.throws(() => new HammingIndex({ bits: 64 as 256 }), /expected bits 256 but received 64/);
  });

  it('keeps a million-key layout compact (bytes per key)', () => {
    const index = new HammingIndex();
    const next = rng(12);
    for (let i = 0; i < 20_000; i++) index.add(i, randomKey(next));
    index.searchUsing(new Uint8Array(32), 32, 'mih');
    // keys 32 + postings 48 + id 4 + state 1 + lookup chain 8 (heads) + 4, plus capacity slack (20 000 of
    // 32 768 slots), less the fixed 4 MB of bucket offsets and 0.5 MB of scan output.
    const perKey = (index.memoryBytes - 16 * 65537 * 4 - 9 * 65536) / index.size;
    assert.ok(perKey < 135, `${perKey.toFixed(1)} bytes per key`);
  });
});
