/* eslint-disable max-lines -- one algorithm (PDQ: luminance, DCT, quality, dihedral variants) kept whole with the paper's steps, like search/hamming.ts. */
/**
 * The perceptual hash, PDQ family, in plain JS on a 64×64 luma image (values 0..255, row-major):
 * 16×16 DCT (frequencies 1..16, no DC, as PDQ), median threshold → 256 bits. The 8 dihedral variants
 * (flips, 90° rotations, transpositions) come from sign changes and transposition of the coefficients,
 * without another decode. Also: the PDQ-style quality score, central-region resampling (crop keys) and the
 * small thumbnail used for verification.
 */
export const N = 64;
export const K = 16;
export const THUMB = 32;

const DCT: Float64Array = (() => {
  const m = new Float64Array(K * N);
  const scale = Math.sqrt(2 / N);
  for (let i = 0; i < K; i++) for (let j = 0; j < N; j++) m[i * N + j] = scale * Math.cos((Math.PI / (2 * N)) * (i + 1) * (2 * j + 1));
  return m;
})();

/** Scratch for project(): M · X (K×N); project is synchronous, so one buffer serves every call. */
const TMP = new Float64Array(K * N);

/** The columns [lo, hi) of a K×N matrix outside which it is all zero, widened to multiples of 4. */
function support(m: Float64Array): { lo: number; hi: number } {
  let lo = N,
    hi = 0;
  for (let i = 0; i < K; i++) {
    for (let k = 0; k < N; k++) {
      if (m[i * N + k] === 0) continue;
      lo = Math.min(lo, k);
      hi = Math.max(hi, k + 1);
    }
  }
  return hi > lo ? { lo: lo & ~3, hi: Math.min(N, (hi + 3) & ~3) } : { lo: 0, hi: 0 };
}

/**
 * M · X · Mᵀ for a K×N matrix M (zero outside the columns [lo, hi)) and the N×N image X.
 *
 * Every value is summed in the same order as the plain loops `tmp[i][j] = Σₖ M[i][k]·X[k][j]` and
 * `out[i][j] = Σₖ tmp[i][k]·M[j][k]` (k ascending, from +0), so the result is bit-identical to them — which
 * matters for flat images, whose coefficients are rounding noise and whose hash bits therefore depend on
 * the order of the arithmetic. The speed comes from blocking only: 4 rows of M × 4 rows of X per pass
 * (one load and store of tmp per 4 products), 4 independent sums in the second product.
 */
function project(luma: Float64Array, m: Float64Array, lo = 0, hi = N): Float64Array {
  const tmp = TMP;
  tmp.fill(0);
  for (let i = 0; i < K; i += 4) {
    const r0 = i * N,
      r1 = r0 + N,
      r2 = r1 + N,
      r3 = r2 + N;
    for (let k = lo; k < hi; k += 4) {
      const a0 = m[r0 + k],
        a1 = m[r0 + k + 1],
        a2 = m[r0 + k + 2],
        a3 = m[r0 + k + 3];
      const b0 = m[r1 + k],
        b1 = m[r1 + k + 1],
        b2 = m[r1 + k + 2],
        b3 = m[r1 + k + 3];
      const c0 = m[r2 + k],
        c1 = m[r2 + k + 1],
        c2 = m[r2 + k + 2],
        c3 = m[r2 + k + 3];
      const d0 = m[r3 + k],
        d1 = m[r3 + k + 1],
        d2 = m[r3 + k + 2],
        d3 = m[r3 + k + 3];
      const src = k * N;
      for (let j = 0; j < N; j++) {
        const p = src + j;
        const x0 = luma[p],
          x1 = luma[p + N],
          x2 = luma[p + 2 * N],
          x3 = luma[p + 3 * N];
        tmp[r0 + j] = tmp[r0 + j] + a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
        tmp[r1 + j] = tmp[r1 + j] + b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
        tmp[r2 + j] = tmp[r2 + j] + c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3;
        tmp[r3 + j] = tmp[r3 + j] + d0 * x0 + d1 * x1 + d2 * x2 + d3 * x3;
      }
    }
  }
  const out = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    const ti = i * N;
    for (let j = 0; j < K; j += 4) {
      const m0 = j * N,
        m1 = m0 + N,
        m2 = m1 + N,
        m3 = m2 + N;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < N; k++) {
        const t = tmp[ti + k];
        s0 += t * m[m0 + k];
        s1 += t * m[m1 + k];
        s2 += t * m[m2 + k];
        s3 += t * m[m3 + k];
      }
      out[i * K + j] = s0;
      out[i * K + j + 1] = s1;
      out[i * K + j + 2] = s2;
      out[i * K + j + 3] = s3;
    }
  }
  return out;
}

/** 16×16 DCT coefficients (row i: vertical frequency i+1, column j: horizontal frequency j+1). */
export function dct16(luma: Float64Array): Float64Array {
  return project(luma, DCT);
}

/**
 * DCT · R for the bilinear resample R of the central `fraction` of each axis to N samples (the same sampling
 * as resampleRegion): the crop key's coefficients in one projection, without resampling the image.
 */
function centralMatrix(fraction: number): Float64Array {
  const size = N * fraction;
  const off = (N - size) / 2;
  const r = new Float64Array(N * N);
  for (let y = 0; y < N; y++) {
    let sy = off + ((y + 0.5) * size) / N - 0.5;
    sy = Math.min(N - 1, Math.max(0, sy));
    const iy = Math.min(N - 2, Math.floor(sy));
    const fy = sy - iy;
    r[y * N + iy] += 1 - fy;
    r[y * N + iy + 1] += fy;
  }
  const m = new Float64Array(K * N);
  for (let i = 0; i < K; i++)
    for (let y = 0; y < N; y++) {
      const d = DCT[i * N + y];
      for (let k = 0; k < N; k++) m[i * N + k] += d * r[y * N + k];
    }
  return m;
}

const CENTRAL = new Map<number, { m: Float64Array; lo: number; hi: number }>();

const SELECT = new Float64Array(K * K);

/**
 * The mean of the k-th and (k+1)-th smallest of s (0-based, k + 1 < s.length): (sorted[k] + sorted[k+1]) / 2
 * of a numeric sort, found by quickselect (no sort, no allocation). Reorders s. No NaN.
 */
function middlePair(s: Float64Array, k: number): number {
  let lo = 0,
    hi = s.length - 1;
  while (hi > lo) {
    // Median of three as pivot, then Hoare partition.
    const mid = (lo + hi) >> 1;
    let x = s[lo],
      y = s[mid];
    const z = s[hi];
    if (x > y) {
      const t = x;
      x = y;
      y = t;
    }
    if (y > z) {
      y = z;
      if (x > y) y = x;
    }
    const pivot = y;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (s[i] < pivot) i++;
      while (s[j] > pivot) j--;
      if (i <= j) {
        const t = s[i];
        s[i] = s[j];
        s[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  // s[k] is the k-th smallest and everything after k is ≥ it: the (k+1)-th smallest is the least of those.
  let next = Infinity;
  for (let i = k + 1; i < s.length; i++) if (s[i] < next) next = s[i];
  return (s[k] + next) / 2;
}

/** The median of 256 coefficients: the mean of the 128th and 129th smallest, as with a full sort. */
export function median256(coeffs: Float64Array): number {
  SELECT.set(coeffs);
  return middlePair(SELECT, 127);
}

/** 256 bits: coefficient > median, bit k = coefficient k (row-major), most significant bit first. */
export function threshold(coeffs: Float64Array): Uint8Array {
  const median = median256(coeffs);
  const hash = new Uint8Array(32);
  for (let k = 0; k < 256; k++) if (coeffs[k] > median) hash[k >> 3] |= 0x80 >> (k & 7);
  return hash;
}

/**
 * Dihedral transform d (0..7) of a square image, as used everywhere in this module:
 * out(y, x) = in'(y', x') with y' = (d & 2 ? n-1-y : y), x' = (d & 1 ? n-1-x : x), and in' = in transposed
 * when d & 4. d = 0 is the identity; 1 a horizontal mirror; 2 a vertical mirror; 3 a 180° rotation;
 * 5 and 6 the two 90° rotations; 4 and 7 the transpositions. Each is its own inverse except 5 ↔ 6.
 */
export function dihedralSource(d: number, n: number, y: number, x: number): number {
  const yy = d & 2 ? n - 1 - y : y;
  const xx = d & 1 ? n - 1 - x : x;
  return d & 4 ? xx * n + yy : yy * n + xx;
}

/** The inverse of dihedral transform d. */
export function dihedralInverse(d: number): number {
  return d === 5 ? 6 : d === 6 ? 5 : d;
}

/** transformImage's source index of every output pixel, per (n, d). */
const DIHEDRAL_MAPS = new Map<number, Int32Array>();

function dihedralMap(n: number, d: number): Int32Array {
  const key = n * 8 + d;
  let map = DIHEDRAL_MAPS.get(key);
  if (!map) {
    map = new Int32Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) map[y * n + x] = dihedralSource(d, n, y, x);
    DIHEDRAL_MAPS.set(key, map);
  }
  return map;
}

export function transformImage<T extends Float64Array | Uint8Array>(img: T, n: number, d: number): T {
  if (d === 0) return img;
  const map = dihedralMap(n, d);
  const out = (img instanceof Float64Array ? new Float64Array(n * n) : new Uint8Array(n * n)) as T;
  for (let i = 0; i < n * n; i++) out[i] = img[map[i]];
  return out;
}

/** The DCT coefficients of transformImage(X, 64, d), from those of X (sign flips and transposition). */
export function transformCoeffs(c: Float64Array, d: number): Float64Array {
  const out = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      // frequency index is i+1 / j+1: odd frequencies change sign under a mirror.
      let s = 1;
      if (d & 2 && (i & 1) === 0) s = -s;
      if (d & 1 && (j & 1) === 0) s = -s;
      out[i * K + j] = s * (d & 4 ? c[j * K + i] : c[i * K + j]);
    }
  }
  return out;
}

/** Per dihedral variant d and coefficient k: transformCoeffs(c, d)[k] = DIHEDRAL_SIGN[256·d + k] · c[DIHEDRAL_INDEX[256·d + k]]. */
const DIHEDRAL_INDEX = new Int32Array(8 * K * K);
const DIHEDRAL_SIGN = new Float64Array(8 * K * K);
for (let d = 0; d < 8; d++) {
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      let s = 1;
      if (d & 2 && (i & 1) === 0) s = -s;
      if (d & 1 && (j & 1) === 0) s = -s;
      DIHEDRAL_INDEX[d * K * K + i * K + j] = d & 4 ? j * K + i : i * K + j;
      DIHEDRAL_SIGN[d * K * K + i * K + j] = s;
    }
  }
}

/**
 * The 8 dihedral variant hashes (32 bytes each, variant d at offset 32·d). Variant 0 is the hash.
 * Equal to threshold(transformCoeffs(c, d)) for every d, without building the variants: a variant holds the
 * values of c with the signs of some parity classes of rows/columns flipped, possibly transposed; a
 * transposition does not change the set of values, so only 4 medians are needed (d ≥ 4 shares the median of
 * the untransposed variant with the row and column flips swapped).
 */
export function dihedralHashes(c: Float64Array): Uint8Array {
  const out = new Uint8Array(32 * 8);
  const v = new Float64Array(K * K);
  const medians = new Float64Array(4);
  for (let d = 0; d < 8; d++) {
    const base = d * K * K;
    for (let k = 0; k < K * K; k++) v[k] = DIHEDRAL_SIGN[base + k] * c[DIHEDRAL_INDEX[base + k]];
    if (d < 4) medians[d] = median256(v);
    const median = medians[d < 4 ? d : ((d & 1) << 1) | ((d & 2) >> 1)];
    for (let k = 0; k < K * K; k++) if (v[k] > median) out[32 * d + (k >> 3)] |= 0x80 >> (k & 7);
  }
  return out;
}

/** PDQ's quality: sum of absolute neighbour differences of the 64×64 luma (in percent of full scale), /90, capped at 100. */
export function quality(luma: Float64Array): number {
  let sum = 0;
  for (let y = 0; y < N - 1; y++) {
    for (let x = 0; x < N - 1; x++) {
      const v = luma[y * N + x];
      sum += Math.floor((100 * Math.abs(luma[y * N + x + 1] - v)) / 255) + Math.floor((100 * Math.abs(luma[(y + 1) * N + x] - v)) / 255);
    }
  }
  return Math.min(100, Math.round(sum / 90));
}

/** Fraction of the 64×64 luma whose right and lower neighbours are within half a grey level: flat areas. */
export function flatness(luma: Float64Array): number {
  let flat = 0;
  for (let y = 0; y < N - 1; y++) {
    for (let x = 0; x < N - 1; x++) {
      const v = luma[y * N + x];
      if (Math.abs(luma[y * N + x + 1] - v) < 0.5 && Math.abs(luma[(y + 1) * N + x] - v) < 0.5) flat++;
    }
  }
  return Math.round((1000 * flat) / ((N - 1) * (N - 1))) / 1000;
}

/** quality(luma) and flatness(luma) in one pass (the same values). */
export function gradients(luma: Float64Array): { quality: number; flatness: number } {
  let sum = 0;
  let flat = 0;
  for (let y = 0; y < N - 1; y++) {
    const row = y * N;
    for (let x = 0; x < N - 1; x++) {
      const v = luma[row + x];
      const dx = Math.abs(luma[row + x + 1] - v);
      const dy = Math.abs(luma[row + N + x] - v);
      sum += Math.floor((100 * dx) / 255) + Math.floor((100 * dy) / 255);
      if (dx < 0.5 && dy < 0.5) flat++;
    }
  }
  return { quality: Math.min(100, Math.round(sum / 90)), flatness: Math.round((1000 * flat) / ((N - 1) * (N - 1))) / 1000 };
}

/** Bilinear resample of the region [x0, x0+w)×[y0, y0+h) (in pixel units of an n×n image) to m×m. */
export function resampleRegion(
  src: Float64Array | Uint8Array,
  n: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
  m: number,
): Float64Array {
  const out = new Float64Array(m * m);
  for (let y = 0; y < m; y++) {
    let sy = y0 + ((y + 0.5) * h) / m - 0.5;
    sy = Math.min(n - 1, Math.max(0, sy));
    const iy = Math.min(n - 2, Math.floor(sy));
    const fy = sy - iy;
    for (let x = 0; x < m; x++) {
      let sx = x0 + ((x + 0.5) * w) / m - 0.5;
      sx = Math.min(n - 1, Math.max(0, sx));
      const ix = Math.min(n - 2, Math.floor(sx));
      const fx = sx - ix;
      const a = src[iy * n + ix],
        b = src[iy * n + ix + 1],
        c = src[(iy + 1) * n + ix],
        e = src[(iy + 1) * n + ix + 1];
      out[y * m + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + e * fx) * fy;
    }
  }
  return out;
}

/** The hash of the central region covering `fraction` of each dimension. */
export function centralHash(luma: Float64Array, fraction: number): Uint8Array {
  let c = CENTRAL.get(fraction);
  if (!c) {
    const m = centralMatrix(fraction);
    CENTRAL.set(fraction, (c = { m, ...support(m) }));
  }
  return threshold(project(luma, c.m, c.lo, c.hi));
}

/** 32×32 thumbnail (2×2 box average of the 64×64 luma), one byte per pixel. */
export function thumbnail(luma: Float64Array): Uint8Array {
  const out = new Uint8Array(THUMB * THUMB);
  for (let y = 0; y < THUMB; y++) {
    for (let x = 0; x < THUMB; x++) {
      const i = 2 * y * N + 2 * x;
      out[y * THUMB + x] = Math.round((luma[i] + luma[i + 1] + luma[i + N] + luma[i + N + 1]) / 4);
    }
  }
  return out;
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();

/** Number of differing bits of two equally long byte arrays (subarrays allowed). */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`hammingDistance: lengths differ (${a.length} and ${b.length} bytes)`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += POPCOUNT[a[i] ^ b[i]];
  return d;
}
