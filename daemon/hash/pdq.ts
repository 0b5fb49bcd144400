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

/** M · X · Mᵀ for a K×N matrix M and the N×N image X, loops ordered for sequential access. */
function project(luma: Float64Array, m: Float64Array): Float64Array {
  const tmp = new Float64Array(K * N); // tmp = M · X
  for (let i = 0; i < K; i++) {
    const row = i * N;
    for (let k = 0; k < N; k++) {
      const w = m[row + k];
      if (w === 0) continue;
      const src = k * N;
      for (let j = 0; j < N; j++) tmp[row + j] += w * luma[src + j];
    }
  }
  const out = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += tmp[i * N + k] * m[j * N + k];
      out[i * K + j] = s;
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
  for (let i = 0; i < K; i++) for (let y = 0; y < N; y++) { const d = DCT[i * N + y]; for (let k = 0; k < N; k++) m[i * N + k] += d * r[y * N + k]; }
  return m;
}

const CENTRAL = new Map<number, Float64Array>();

/** 256 bits: coefficient > median, bit k = coefficient k (row-major), most significant bit first. */
export function threshold(coeffs: Float64Array): Uint8Array {
  const sorted = Float64Array.from(coeffs).sort();
  const median = (sorted[127] + sorted[128]) / 2;
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

export function transformImage<T extends Float64Array | Uint8Array>(img: T, n: number, d: number): T {
  if (d === 0) return img;
  const out = new (img.constructor as { new(len: number): T })(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) out[y * n + x] = img[dihedralSource(d, n, y, x)];
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

/** The 8 dihedral variant hashes (32 bytes each, variant d at offset 32·d). Variant 0 is the hash. */
export function dihedralHashes(c: Float64Array): Uint8Array {
  const out = new Uint8Array(32 * 8);
  for (let d = 0; d < 8; d++) out.set(threshold(transformCoeffs(c, d)), 32 * d);
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

/** Bilinear resample of the region [x0, x0+w)×[y0, y0+h) (in pixel units of an n×n image) to m×m. */
export function resampleRegion(src: Float64Array | Uint8Array, n: number, x0: number, y0: number, w: number, h: number, m: number): Float64Array {
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
      const a = src[iy * n + ix], b = src[iy * n + ix + 1], c = src[(iy + 1) * n + ix], e = src[(iy + 1) * n + ix + 1];
      out[y * m + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + e * fx) * fy;
    }
  }
  return out;
}

/** The hash of the central region covering `fraction` of each dimension. */
export function centralHash(luma: Float64Array, fraction: number): Uint8Array {
  let m = CENTRAL.get(fraction);
  if (!m) CENTRAL.set(fraction, (m = centralMatrix(fraction)));
  return threshold(project(luma, m));
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
