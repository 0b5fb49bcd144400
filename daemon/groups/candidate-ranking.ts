/**
 * The order in which a newcomer's candidates are verified (the graph verifies only the first few): nearest
 * first within each kind of key, the kinds taken in turn. One kind must not crowd out another: in a family of
 * icons the silhouettes (shape keys) of unrelated icons are all close, while the one true copy may be found
 * only by its hash or a crop key; and a photo's crop is far by its hash but near by a crop key.
 *
 * In an icon family a newcomer has most of the graph as candidates, under several keys each, so this runs on
 * thousands of hits per newcomer: typed arrays and a reused marking array, no Map or Set per call (a Map of
 * best distances per kind cost more than the index scan that found the hits).
 */

/** Which of the newcomer's keys found a candidate. */
export type KeyKind = 'hash' | 'crop' | 'shape' | 'variant';

const KIND_ORDER: readonly KeyKind[] = ['hash', 'crop', 'shape', 'variant'];

type Hits = ReadonlyArray<{ id: number; distance: number }>;

export interface KeyHits {
  kind: KeyKind;
  /**
   * Index entries within the radius of one key (an id may appear under several keys). Ids are the graph's:
   * integers in [0, 2³²).
   */
  hits: Hits;
}

/** Marks on ids, grown as needed and cleared by the caller after each use (only the ids it marked). */
class Marks {
  private bits = new Uint8Array(1024);

  /** Marks id; false when it was marked already. */
  mark(id: number): boolean {
    if (id >= this.bits.length) {
      const grown = new Uint8Array(Math.max(id + 1, 2 * this.bits.length));
      grown.set(this.bits);
      this.bits = grown;
    }
    if (this.bits[id]) return false;
    this.bits[id] = 1;
    return true;
  }

  clear(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) this.bits[ids[i]] = 0;
  }
}

const marks = new Marks();

/** Checked before any id is marked: a marking left behind by a throw would hide that id from later calls. */
function checkId(id: number): void {
  if (!(Number.isInteger(id) && id >= 0 && id < 2 ** 32)) throw new RangeError(`candidate id ${id} is not a graph id`);
}

/** Already by distance then id, each id once: one key's hits as the index returns them (search/hamming.ts). */
function isSorted(hits: Hits): boolean {
  let sorted = true;
  for (let i = 0; i < hits.length; i++) {
    checkId(hits[i].id);
    if (i === 0) continue;
    const a = hits[i - 1];
    const b = hits[i];
    if (a.distance > b.distance || (a.distance === b.distance && a.id >= b.id)) sorted = false;
  }
  return sorted;
}

/**
 * The ids of one kind's hits, each once at its smallest distance, by distance then id (the older content
 * first, so the order does not depend on the index's layout). Several keys' hits are packed with their
 * distance in one number and sorted as a Float64Array, without a comparator.
 */
function nearestFirst(lists: readonly Hits[]): Uint32Array {
  if (lists.length === 1 && isSorted(lists[0])) {
    const hits = lists[0];
    const ids = new Uint32Array(hits.length);
    for (let i = 0; i < hits.length; i++) ids[i] = hits[i].id;
    return ids;
  }
  let total = 0;
  for (const hits of lists) total += hits.length;
  const packed = new Float64Array(total);
  let n = 0;
  for (const hits of lists)
    for (const { id, distance } of hits) {
      checkId(id);
      packed[n++] = distance * 2 ** 32 + id;
    }
  packed.sort();
  const ids = new Uint32Array(total);
  let k = 0;
  for (let i = 0; i < total; i++) {
    const id = packed[i] % 2 ** 32;
    if (marks.mark(id)) ids[k++] = id;
  }
  const out = ids.subarray(0, k);
  marks.clear(out);
  return out;
}

/** Candidate ids, each once: round-robin over the kinds, each kind's candidates by their smallest distance. */
export function rankCandidates(found: readonly KeyHits[]): number[] {
  const queues: Uint32Array[] = [];
  for (const kind of KIND_ORDER) {
    const lists = found.filter((f) => f.kind === kind && f.hits.length > 0).map((f) => f.hits);
    if (lists.length > 0) queues.push(nearestFirst(lists));
  }
  // One kind (an icon family: every icon's silhouette near the newcomer's): its order is the order.
  if (queues.length === 1) return Array.from(queues[0]);
  const order: number[] = [];
  const at = queues.map(() => 0);
  for (let live = queues.length; live > 0;) {
    live = 0;
    for (let q = 0; q < queues.length; q++) {
      const queue = queues[q];
      while (at[q] < queue.length && !marks.mark(queue[at[q]])) at[q]++;
      if (at[q] >= queue.length) continue;
      live++;
      order.push(queue[at[q]++]);
    }
  }
  marks.clear(order);
  return order;
}
