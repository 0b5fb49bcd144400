/**
 * The order in which a newcomer's candidates are verified (the graph verifies only the first few): nearest
 * first within each kind of key, the kinds taken in turn. One kind must not crowd out another: in a family of
 * icons the silhouettes (shape keys) of unrelated icons are all close, while the one true copy may be found
 * only by its hash or a crop key; and a photo's crop is far by its hash but near by a crop key.
 */

/** Which of the newcomer's keys found a candidate. */
export type KeyKind = 'hash' | 'crop' | 'shape' | 'variant';

const KIND_ORDER: readonly KeyKind[] = ['hash', 'crop', 'shape', 'variant'];

export interface KeyHits {
  kind: KeyKind;
  /** Index entries within the radius of one key (an id may appear under several keys). */
  hits: ReadonlyArray<{ id: number; distance: number }>;
}

/**
 * Ids by distance, then id. The graph's ids (non-negative integers) are packed with their distance in one
 * number and sorted as a Float64Array, without a comparator: in an icon family a newcomer has most of the
 * graph as candidates, and a comparator sort of them cost more than the index scan that found them.
 */
function nearestFirst(distances: ReadonlyMap<number, number>): number[] {
  const packed = new Float64Array(distances.size);
  let i = 0;
  for (const [id, distance] of distances) {
    if (!(Number.isInteger(id) && id >= 0 && id < 2 ** 32))
      return [...distances].sort((x, y) => x[1] - y[1] || x[0] - y[0]).map(([k]) => k);
    packed[i++] = distance * 2 ** 32 + id;
  }
  packed.sort();
  return Array.from(packed, (p) => p % 2 ** 32);
}

/**
 * Candidate ids, each once: round-robin over the kinds, each kind's candidates by their smallest distance
 * (ties by id, the older content first, so the order does not depend on the index's layout).
 */
export function rankCandidates(found: readonly KeyHits[]): number[] {
  const best = new Map<KeyKind, Map<number, number>>();
  for (const { kind, hits } of found) {
    let distances = best.get(kind);
    if (!distances) best.set(kind, (distances = new Map<number, number>()));
    for (const { id, distance } of hits) {
      const known = distances.get(id);
      if (known === undefined || distance < known) distances.set(id, distance);
    }
  }
  const queues = KIND_ORDER.flatMap((kind) => {
    const distances = best.get(kind);
    if (!distances || distances.size === 0) return [];
    return [nearestFirst(distances)];
  });
  const order: number[] = [];
  const taken = new Set<number>();
  const at = queues.map(() => 0);
  for (let live = queues.length; live > 0;) {
    live = 0;
    for (let q = 0; q < queues.length; q++) {
      const queue = queues[q];
      while (at[q] < queue.length && taken.has(queue[at[q]])) at[q]++;
      if (at[q] >= queue.length) continue;
      live++;
      const id = queue[at[q]++];
      taken.add(id);
      order.push(id);
    }
  }
  return order;
}
