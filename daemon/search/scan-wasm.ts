/**
 * The brute-force Hamming scan as tiny WebAssembly functions (i64.popcnt on the 4 64-bit words of a key). JS
 * has no popcount instruction; this scans 10^6 keys in about 3 ms where the best JS loop (16-bit table
 * lookups) takes 12–25 ms on the same machine (bench/hamming.ts). Assembled here from opcodes, so the build
 * needs no WebAssembly toolchain; one kernel per number of queries and words tested first (manyBody, whose
 * text format is there), compiled on first use. One query is the kernel for k = 1.
 *
 * many(p, n, q, radii, out) compares the n keys of 32 bytes at p with the k keys at q and writes, for each
 * (key, query) within the query's radius, the key's address and its distance | query << 16 (two u32) at out;
 * returns how many. The caller sizes out for k·n hits.
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')];
}

const I32 = 0x7f;
const I64 = 0x7e;
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const tee = (i: number): number[] => [0x22, i];
const i64Load = (offset: number): number[] => [0x29, 0x03, ...uleb(offset)];
const i32Store = (offset: number): number[] => [0x36, 0x02, ...uleb(offset)];
const i32Const = (v: number): number[] => [0x41, ...uleb(v)]; // small non-negative values only (< 64)
/** The address of hit number $count at $out (locals 4 and 6 of every kernel). */
const slot = (): number[] => [...get(4), ...get(6), ...i32Const(3), 0x74 /* i32.shl */, 0x6a /* i32.add */];

/** Signed LEB128 (i32.const immediates). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Most queries one scanMany pass compares each key with (their words live in locals). */
export const MAX_QUERIES = 16;

/**
 * How many of a key's 4 words a k-query kernel sums before its first test against radius r: the fewest whose
 * partial distance exceeds r for nearly every key (for uniform keys it is about 32 per word, σ 4·√words;
 * the test is at 2σ: ≤ 2.3 % of keys go on to the rest). 1 word up to r = 23, 2 up to 52 (the graph's
 * variants at 32), 3 up to 82 (its keys at 80), else all 4. Exact at any choice: a partial distance is a lower bound.
 */
export function checkWords(r: number): number {
  for (let w = 1; w < 4; w++) if (r < 32 * w - 8 * Math.sqrt(w)) return w;
  return 4;
}

/**
 * The body of many(p, n, q, radii, out): the n keys at p against the k keys at q (32 bytes apart), query j
 * within the radius at radii + 4j (u32). Each key's 4 words are loaded once into locals ($w0..$w3), then
 * compared with every query (its words in locals $q<j>_0..3, its radius in $r<j>, loaded once per call);
 * for each (key, query) within its radius it writes the key's address and (distance | query << 16) at out.
 * checks[j] = checkWords of query j's radius: the words summed before the first test. Text format, per key:
 *
 *   (local.set $w0 (i64.load offset=0 $p)) … (local.set $w3 (i64.load offset=24 $p))
 *   ;; for j in 0..k-1, c = checks[j] (pop_w = i64.popcnt (i64.xor $w<w> $q<j>_<w>)):
 *   (if (i32.le_u (local.tee $d (i32.wrap (pop_0 + … + pop_{c-1}))) $r<j>) (then
 *     (if (i32.le_u (local.tee $d (i32.add $d (i32.wrap (pop_c + … + pop_3)))) $r<j>) (then
 *       (store $p) (store (i32.or $d (i32.const j<<16))) (count++)))))
 *   ;; (c = 4: the one test, on the full distance)
 */
function manyBody(checks: readonly number[]): number[] {
  const k = checks.length;
  // Locals: 0 p, 1 n, 2 q, 3 radii, 4 out | 5 end, 6 count, 7 d, 8 + j: radius of query j (i32)
  //         | 8 + k + w: key word w, 12 + k + 4j + w: query j word w (i64). At most 92 locals: one-byte indices.
  const rj = (j: number): number => 8 + j;
  const kw = (w: number): number => 8 + k + w;
  const qw = (j: number, w: number): number => 12 + k + 4 * j + w;
  const body: number[] = [0x02, ...uleb(3 + k), I32, ...uleb(4 + 4 * k), I64];
  for (let j = 0; j < k; j++) body.push(...get(3), 0x28 /* i32.load */, 0x02, ...uleb(4 * j), ...set(rj(j)));
  for (let j = 0; j < k; j++) for (let w = 0; w < 4; w++) body.push(...get(2), ...i64Load(32 * j + 8 * w), ...set(qw(j, w)));
  body.push(...get(0), ...get(1), ...i32Const(5), 0x74, 0x6a, ...set(5));
  body.push(0x02, 0x40, ...get(0), ...get(5), 0x4f, 0x0d, 0x00, 0x03, 0x40); // block, br_if past, loop
  for (let w = 0; w < 4; w++) body.push(...get(0), ...i64Load(8 * w), ...set(kw(w)));
  const pop = (j: number, w: number): number[] => [...get(kw(w)), ...get(qw(j, w)), 0x85 /* i64.xor */, 0x7b /* i64.popcnt */];
  /** The i32 sum of the popcounts of words [from, to) of query j. */
  const pops = (j: number, from: number, to: number): number[] => {
    const out = pop(j, from);
    for (let w = from + 1; w < to; w++) out.push(...pop(j, w), 0x7c /* i64.add */);
    return [...out, 0xa7 /* i32.wrap_i64 */];
  };
  const record = (j: number): number[] => [
    ...slot(),
    ...get(0),
    ...i32Store(0),
    ...slot(),
    ...get(7),
    0x41,
    ...sleb(j << 16),
    0x72 /* i32.or */,
    ...i32Store(4),
    ...get(6),
    ...i32Const(1),
    0x6a,
    ...set(6),
  ];
  const within = (j: number): number[] => [...tee(7), ...get(rj(j)), 0x4d /* i32.le_u */, 0x04, 0x40]; // if d <= r_j
  for (let j = 0; j < k; j++) {
    const c = checks[j];
    body.push(...pops(j, 0, c), ...within(j));
    if (c < 4) body.push(...get(7), ...pops(j, c, 4), 0x6a, ...within(j), ...record(j), 0x0b, 0x0b);
    else body.push(...record(j), 0x0b);
  }
  body.push(...get(0), ...i32Const(32), 0x6a, ...tee(0), ...get(5), 0x49, 0x0d, 0x00, 0x0b, 0x0b, ...get(6), 0x0b);
  return body;
}

const TYPE_SECTION = section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 1, I32]); // type: (i32 ×5) → i32
const IMPORT_SECTION = section(2, [1, ...name('m'), ...name('memory'), 0x02, 0x00, 0x01]); // import memory, min 1 page

/** A module of one exported function, of type (i32 ×5) → i32, over the imported memory. */
function moduleBytes(exportName: string, body: number[]): Uint8Array {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...TYPE_SECTION,
    ...IMPORT_SECTION,
    ...section(3, [1, 0]), // one function, of type 0
    ...section(7, [1, ...name(exportName), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

// The project compiles without the DOM library, which is where TypeScript declares WebAssembly.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiled kernels (once per process), by pattern of checks. */
const compiledMany = new Map<string, object>();

export type ScanFunction = (p: number, n: number, q: number, r: number, out: number) => number;

export interface Scanner {
  memory: WasmMemory;
  /**
   * The kernel for k queries whose radii have these checkWords (1 ≤ k ≤ MAX_QUERIES): many(p, n, q, radii,
   * out) compares the n keys at p with the k keys stored 32 bytes apart at q, query j within the u32 radius
   * at radii + 4j; a hit's distance word carries the query's position in its upper 16 bits.
   */
  many: (checks: readonly number[]) => ScanFunction;
}

/** A WebAssembly memory of `pages` × 64 KiB and the scan kernels over it (each made on first use). */
export function createScan(pages: number): Scanner {
  const memory = new wasm.Memory({ initial: pages });
  const imports = { m: { memory } };
  const kernels = new Map<string, ScanFunction>();
  const many = (checks: readonly number[]): ScanFunction => {
    if (checks.length < 1 || checks.length > MAX_QUERIES) throw new RangeError(`scan: 1 to ${MAX_QUERIES} queries, not ${checks.length}`);
    const id = checks.join('');
    let kernel = kernels.get(id);
    if (!kernel) {
      let compiled = compiledMany.get(id);
      if (!compiled) compiledMany.set(id, (compiled = new wasm.Module(moduleBytes('many', manyBody(checks)))));
      kernel = new wasm.Instance(compiled, imports).exports.many as ScanFunction;
      kernels.set(id, kernel);
    }
    return kernel;
  };
  return { memory, many };
}
