/**
 * Near copies between sites: the catalogue's perceptual hashes in this process's Hamming index
 * (daemon/search/hamming.ts), searched exactly at the same candidate radius as inside a site (80 of 256 bits by
 * default), then the same verification (`compare`) on the two contents' fingerprints. Only the hash is a key
 * between sites (not the crop and shape keys), so a copy cropped by more than the hash tolerates is not sought
 * across sites.
 *
 * Where the search runs, decided from bench/catalogue.ts (figures in docs/catalogue.md): in this process, over
 * the keys it keeps in the site's index folder and syncs by change number (key-cache.ts).
 * At 80 bits multi-index hashing cannot prune (every chunk must be probed within 5 bits), so any exact search
 * is a scan of every key; the WebAssembly scan compares each stored key with 16 queries at once at a few
 * nanoseconds per key, where the database would evaluate a popcount expression per row and query. Only
 * contents new to the catalogue are searched (at publish, and a pull request's unpublished images at check),
 * so the scan is paid once per content, never per check.
 */
import type pg from 'pg';
import { candidateRadius, compare, type Fingerprint, type NearThresholds } from '../hash';
import { HammingIndex } from '../search/hamming';
import { decodeFingerprint } from './codec';

export interface ContentPair {
  a: string;
  b: string;
  class: 'pixel' | 'near';
  similarity: number;
}

/**
 * The catalogue's contents by perceptual hash. Content ids are kept as raw bytes in one growing buffer, not
 * as strings: at 10⁷ contents a hex string each would cost over a gigabyte.
 */
export class CatalogueKeys {
  private readonly index = new HammingIndex();
  private shas = new Uint8Array(32 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes held: the Hamming index and the content ids. */
  get memoryBytes(): number {
    return this.index.memoryBytes + this.shas.byteLength;
  }

  /** Adds a content; the caller adds each content once (the catalogue's contents are unique by key). */
  add(sha256: string | Uint8Array, hash: Uint8Array): void {
    if (32 * (this.count + 1) > this.shas.length) {
      const grown = new Uint8Array(this.shas.length * 2);
      grown.set(this.shas);
      this.shas = grown;
    }
    if (typeof sha256 === 'string') this.shas.set(Buffer.from(sha256, 'hex'), 32 * this.count);
    else this.shas.set(sha256, 32 * this.count);
    this.index.add(this.count++, hash);
  }

  private shaOf(id: number): string {
    return Buffer.from(this.shas.buffer, this.shas.byteOffset + 32 * id, 32).toString('hex');
  }

  /** For each hash, the contents within `radius`, nearest first (one pass over the keys per 16 hashes). */
  nearMany(hashes: readonly Uint8Array[], radius: number): string[][] {
    return this.index.searchMany(hashes, radius).map((hits) => hits.map((hit) => this.shaOf(hit.id)));
  }

  /** Every content of this fingerprint version in the catalogue (one query, rows as arrays). */
  static async load(client: pg.Client, fpVersion: number): Promise<CatalogueKeys> {
    const keys = new CatalogueKeys();
    const { rows } = await client.query<[Buffer, Buffer]>({
      text: 'SELECT sha256, hash FROM contents WHERE fp_version = $1',
      values: [fpVersion],
      rowMode: 'array',
    });
    for (const [sha, hash] of rows) keys.add(sha, hash);
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
  const candidatesOf = keys
    .nearMany(
      newcomers.map((n) => n.fingerprint.hash),
      candidateRadius(thresholds),
    )
    .map((near, i) => near.filter((s) => s !== newcomers[i].sha256).slice(0, MAX_VERIFIED_PER_CONTENT));
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
