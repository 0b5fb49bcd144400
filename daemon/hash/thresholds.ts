/** The thresholds of the similarity stage: candidate radii (candidate-keys.ts) and verification (compare.ts). */
export interface NearThresholds {
  /** Minimum verified similarity (thumbnail correlation, 0..1] for a near-duplicate. */
  nearSimilarity: number;
  /**
   * Photographs (pairs compared as photos, not graphics: the mean of the plain and high-pass correlations
   * rather than the smaller) are near from nearSimilarity − photoMargin. The two measures are not one scale: a
   * watermark, a crop or a resize to a quarter dilutes a photo's high-pass correlation, while no two unrelated
   * photos of the benchmark score above 0.85; graphics have unrelated pairs (one folder, another emblem) up to
   * 0.896.
   */
  photoMargin: number;
  /** Hamming radius (of 256 bits) for the candidate search. */
  candidateRadius: number;
  /**
   * Radius for the 7 flipped/rotated variants of the hash. A flip or a rotation is exact in the DCT signs, so a
   * flipped copy lands close; a small radius lets the index answer by multi-index hashing instead of a full scan.
   */
  variantRadius: number;
  /** Flips and rotations are accepted only when both images have at least this quality (flat icons are often drawn as mirrors of each other: arrows). */
  dihedralMinQuality: number;
  /** Smallest fraction of each dimension a crop may keep (the alignment search goes down to it). */
  minCropFraction: number;
  /** Images with transparency or at least this flatness are graphics (icons, logos, flags): strict mode (no flips, same colours and tones). */
  graphicFlatness: number;
  /** Strict mode: largest mean chroma difference (per 4×4 cell, 0..255 scale). */
  maxChromaDifference: number;
  /** Strict mode: largest mean luma difference of the thumbnails (0..255). */
  maxLumaDifference: number;
  /** Graphics: largest mean per-cell chroma distance (Euclidean Cb/Cr, 8×8 grid; content-aligned across sizes). Hue-only variants (folder colours) differ by 9 and more. */
  maxFineChromaDifference: number;
  /** Transparent graphics at different sizes: smallest correlation of the content-aligned alpha masks. */
  minAlphaCorrelation: number;
  /** Override of compare.ts's CROP_SEARCH_MAX_KEY_DISTANCE (256: the crop search is never skipped; tests compare the two). */
  cropSearchMaxKeyDistance?: number;
}

export const DEFAULT_NEAR_THRESHOLDS: NearThresholds = {
  nearSimilarity: 0.9,
  photoMargin: 0.03,
  candidateRadius: 84,
  variantRadius: 32,
  dihedralMinQuality: 30,
  minCropFraction: 0.8,
  graphicFlatness: 0.3,
  maxChromaDifference: 12,
  maxLumaDifference: 24,
  maxFineChromaDifference: 6,
  minAlphaCorrelation: 0.8,
};
