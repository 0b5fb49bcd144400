/**
 * Near copies between sites: the catalogue's perceptual hashes in this process's Hamming index (multi-index
 * hashing, daemon/index/hamming.ts), then the same verification as inside a site (`compare`) on the two
 * contents' fingerprints. Between sites the search uses the hash alone within the variant radius (32 bits):
 * re-encoded, resized and recompressed copies land there and multi-index hashing answers in well under a
 * millisecond at 10⁶ keys, where the 80-bit radius of a site's own crop search would be a full scan per image.
 * Crops and rotations across sites are therefore not sought. Why the search runs here and not in the
 * database: see bench/catalogue.ts and the note of the catalogue issue (measured both).
 */
import type pg from 'pg';
import { compare, type Fingerprint, type NearThresholds } from '../hash';
import { HammingIndex } from '../index/hamming';
import { decodeFingerprint } from './codec';

export interface ContentPair {
  a: string;
  b: string;
  class: 'pixel' | 'near';
  similarity: number;
}

/** The catalogue's contents by perceptual hash. */
export class CatalogueKeys {
  private readonly index = new HammingIndex();
  private readonly shas: string[] = [];
  private readonly known = new Set<string>();

  get size(): number {
    return this.shas.length;
  }

  get memoryBytes(): number {
    return this.index.memoryBytes;
  }

  has(sha256: string): boolean {
    return this.known.has(sha256);
  }

  add(sha256: string, hash: Uint8Array): void {
    if (this.known.has(sha256)) return;
    this.known.add(sha256);
    this.index.add(this.shas.length, hash);
    this.shas.push(sha256);
  }

  /** Contents whose hash is within `radius` of `hash`, nearest first. */
  near(hash: Uint8Array, radius: number): string[] {
    return this.index.search(hash, radius).sort((x, y) => x.distance - y.distance).map((hit) => this.shas[hit.id]);
  }

  /** Every content of this fingerprint version in the catalogue (one query, streamed as arrays). */
  static async load(client: pg.Client, fpVersion: number): Promise<CatalogueKeys> {
    const keys = new CatalogueKeys();
    const { rows } = await client.query<[Buffer, Buffer]>({ text: 'SELECT sha256, hash FROM contents WHERE fp_version = $1', values: [fpVersion], rowMode: 'array' });
    for (const [sha, hash] of rows) keys.add(sha.toString('hex'), hash);
    return keys;
  }
}

/** Fingerprints of catalogue contents, in one query. */
export async function catalogueFingerprints(client: pg.Client, shas: readonly string[]): Promise<Map<string, Fingerprint>> {
  const found = new Map<string, Fingerprint>();
  if (shas.length === 0) return found;
  const { rows } = await client.query<[Buffer, Buffer]>({
    text: 'SELECT sha256, fingerprint FROM contents WHERE sha256 = ANY($1::bytea[])',
    values: [shas.map((s) => Buffer.from(s, 'hex'))],
    rowMode: 'array',
  });
  for (const [sha, fp] of rows) found.set(sha.toString('hex'), decodeFingerprint(fp));
  return found;
}

/** At most this many candidates are verified per content: the nearest by hash (a family of icons must not make it quadratic). */
export const MAX_VERIFIED_PER_CONTENT = 16;

/**
 * Verified pairs between each of `newcomers` and the catalogue's contents (and among the newcomers).
 * `keys` must already hold the newcomers; `fingerprintOf` answers for newcomers, `fetch` for the rest.
 */
export async function findPairs(
  newcomers: ReadonlyArray<{ sha256: string; fingerprint: Fingerprint }>,
  keys: CatalogueKeys,
  fetch: (shas: readonly string[]) => Promise<Map<string, Fingerprint>>,
  thresholds: NearThresholds,
): Promise<ContentPair[]> {
  const own = new Map(newcomers.map((n) => [n.sha256, n.fingerprint]));
  const candidatesOf = newcomers.map((n) => keys.near(n.fingerprint.hash, thresholds.variantRadius).filter((s) => s !== n.sha256).slice(0, MAX_VERIFIED_PER_CONTENT));
  const wanted = [...new Set(candidatesOf.flat().filter((s) => !own.has(s)))];
  const fetched = await fetch(wanted);
  const pairs = new Map<string, ContentPair>();
  newcomers.forEach((n, i) => {
    for (const other of candidatesOf[i]) {
      const [a, b] = n.sha256 < other ? [n.sha256, other] : [other, n.sha256];
      if (pairs.has(`${a}:${b}`)) continue;
      const fp = own.get(other) ?? fetched.get(other);
      if (!fp) continue;
      const similarity = compare(n.fingerprint, fp, thresholds);
      if (similarity === undefined) continue;
      // Pixel identity needs both files' decoded pixels, which only their own sites have: between sites a
      // re-encoded copy is `near` (same bytes are exact through images.sha256).
      pairs.set(`${a}:${b}`, { a, b, class: 'near', similarity });
    }
  });
  return [...pairs.values()];
}
