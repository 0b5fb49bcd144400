/**
 * Candidate keys: what the Hamming index holds per image (its hash, the hashes of its central regions — crop
 * keys — and, for transparent images, its silhouette) and what each image searches with (its 8 dihedral
 * variant hashes and its silhouette), within the radii the thresholds set. Verification is compare.ts.
 */
import type { Fingerprint } from './decode';
import type { NearThresholds } from './thresholds';

export function candidateRadius(t: NearThresholds): number {
  return t.candidateRadius;
}

export function variantRadius(t: NearThresholds): number {
  return Math.min(t.variantRadius ?? t.candidateRadius, t.candidateRadius);
}

/** The k-th 32-byte key of a packed key list. */
export function keyAt(bytes: Uint8Array, k: number): Uint8Array {
  return bytes.subarray(32 * k, 32 * k + 32);
}

/**
 * The shape key of a transparent image: its 16×16 alpha mask (alpha ≥ 1/2), 256 bits. The DCT hash of a flat
 * icon is unstable (most coefficients sit near the median), so one icon at two sizes is often 100+ bits
 * apart; the silhouette is not. Undefined for opaque images (and fingerprints without an alpha grid).
 */
export function shapeKey(fp: Fingerprint): Uint8Array | undefined {
  const alpha = fp.alpha;
  if (!fp.transparent || !alpha || alpha.length !== 256) return undefined;
  const key = new Uint8Array(32);
  for (let k = 0; k < 256; k++) if (alpha[k] >= 128) key[k >> 3] |= 0x80 >> (k & 7);
  return key;
}

/** Keys to insert in the Hamming index: the hash, the central-region (crop) hashes and, for transparent images, the shape key. */
export function indexKeys(fp: Fingerprint): Uint8Array[] {
  const keys = [fp.hash];
  for (let k = 0; k < fp.crops.length / 32; k++) keys.push(keyAt(fp.crops, k));
  const shape = shapeKey(fp);
  if (shape) keys.push(shape);
  return keys;
}

/** Keys to search with: the 8 dihedral variants of the hash (variant 0 is the hash) and, for transparent images, the shape key. */
export function queryKeys(fp: Fingerprint): Uint8Array[] {
  return [...directQueryKeys(fp), ...variantQueryKeys(fp)];
}

/** The keys searched within `candidateRadius`: the hash (variant 0) and the shape key. */
export function directQueryKeys(fp: Fingerprint): Uint8Array[] {
  const keys = [keyAt(fp.variants, 0)];
  const shape = shapeKey(fp);
  if (shape) keys.push(shape);
  return keys;
}

/** The keys searched within `variantRadius`: the 7 flipped and rotated variants of the hash. */
export function variantQueryKeys(fp: Fingerprint): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let d = 1; d < 8; d++) keys.push(keyAt(fp.variants, d));
  return keys;
}
