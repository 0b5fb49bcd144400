/**
 * Finds similar pairs among distinct contents: candidates from the Hamming index (every query key of an
 * image within the candidate radius), then the hashing module's verification. Exact copies never get here:
 * they share a content record. A pixel-identity check (a full decode) is paid only where it decides
 * something: hash distance 0 and the same dimensions.
 */
import { candidateRadius, compare, hammingDistance, indexKeys, queryKeys, type Fingerprint, type NearThresholds } from '../hash';
import { HammingIndex } from '../index/hamming';

export interface SimilarPair {
  /** Indices into the contents array, a < b. */
  a: number;
  b: number;
  class: 'pixel' | 'near';
  similarity: number;
}

export interface PairSearchOptions {
  thresholds: NearThresholds;
  /** The pixel digest of content i, computed on demand and cached by the caller; undefined if it cannot be decoded. */
  pixelDigest: (i: number) => Promise<string | undefined>;
}

export function buildHammingIndex(contents: Fingerprint[]): HammingIndex {
  const index = new HammingIndex();
  contents.forEach((fp, i) => {
    for (const key of indexKeys(fp)) index.add(i, key);
  });
  return index;
}

/** Candidate partners of content i among the indexed ones (all ids, including lower ones). */
export function candidatesOf(index: HammingIndex, fp: Fingerprint, radius: number, self: number): Set<number> {
  const found = new Set<number>();
  for (const key of queryKeys(fp)) {
    for (const hit of index.search(key, radius)) if (hit.id !== self) found.add(hit.id);
  }
  return found;
}

export async function classifyPair(a: Fingerprint, b: Fingerprint, ia: number, ib: number, options: PairSearchOptions): Promise<Omit<SimilarPair, 'a' | 'b'> | undefined> {
  if (hammingDistance(a.hash, b.hash) === 0 && a.width === b.width && a.height === b.height) {
    const [da, db] = await Promise.all([options.pixelDigest(ia), options.pixelDigest(ib)]);
    if (da !== undefined && da === db) return { class: 'pixel', similarity: 1 };
  }
  const similarity = compare(a, b, options.thresholds);
  return similarity === undefined ? undefined : { class: 'near', similarity };
}

export async function findSimilarPairs(contents: Fingerprint[], options: PairSearchOptions): Promise<SimilarPair[]> {
  const index = buildHammingIndex(contents);
  const radius = candidateRadius(options.thresholds);
  const pairs: SimilarPair[] = [];
  // Keys need not be symmetric (a crop's hash may find the original's central-region key but not the
  // reverse), so candidates from both sides are merged and each unordered pair is verified once.
  const seen = new Set<number>();
  for (let i = 0; i < contents.length; i++) {
    for (const j of candidatesOf(index, contents[i], radius, i)) {
      const [a, b] = i < j ? [i, j] : [j, i];
      const key = a * contents.length + b;
      if (seen.has(key)) continue;
      seen.add(key);
      const verdict = await classifyPair(contents[a], contents[b], a, b, options);
      if (verdict) pairs.push({ a, b, ...verdict });
    }
  }
  return pairs;
}
