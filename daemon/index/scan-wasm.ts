/**
 * The brute-force Hamming scan as a tiny WebAssembly function (i64.popcnt: 4 loads, XORs and popcounts per
 * key). JS has no popcount instruction; this scans 10^6 keys in about 3 ms where the best JS loop (16-bit
 * table lookups) takes 12–25 ms on the same machine (bench/hamming.ts). Assembled here from opcodes, so the
 * build needs no WebAssembly toolchain. Equivalent text format:
 *
 *   (module
 *     (import "m" "memory" (memory 1))
 *     (func (export "scan") (param $p i32) (param $n i32) (param $q i32) (param $r i32) (param $out i32) (result i32)
 *       (local $end i32) (local $count i32) (local $d i32) (local $q0 i64) (local $q1 i64) (local $q2 i64) (local $q3 i64)
 *       ;; $q0..$q3 = the query's 4 words; $end = $p + 32·$n
 *       (block (br_if 0 (i32.ge_u $p $end))
 *         (loop
 *           (local.set $d (Σ_k i32.wrap (i64.popcnt (i64.xor (i64.load offset=8k $p) $qk))))
 *           (if (i32.le_u $d $r) (then
 *             (i32.store (i32.add $out (i32.shl $count 3)) $p)
 *             (i32.store offset=4 (i32.add $out (i32.shl $count 3)) $d)
 *             (local.set $count (i32.add $count 1))))
 *           (br_if 0 (i32.lt_u (local.tee $p (i32.add $p 32)) $end))))
 *       $count))
 *
 * scan(p, n, q, r, out) compares the n keys of 32 bytes at p with the key at q and writes, for each within r
 * bits, its address and distance (two u32) at out; returns how many. The caller sizes out for n hits.
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
// Locals: 0 p, 1 n, 2 q, 3 r, 4 out | 5 end, 6 count, 7 d (i32) | 8..11 q0..q3 (i64)
const term = (k: number): number[] => [...get(0), ...i64Load(8 * k), ...get(8 + k), 0x85 /* i64.xor */, 0x7b /* i64.popcnt */, 0xa7 /* i32.wrap_i64 */];
const slot = (): number[] => [...get(4), ...get(6), ...i32Const(3), 0x74 /* i32.shl */, 0x6a /* i32.add */];

const BODY = [
  0x02, 0x03, I32, 0x04, I64, // local declarations
  ...get(2), ...i64Load(0), ...set(8), ...get(2), ...i64Load(8), ...set(9),
  ...get(2), ...i64Load(16), ...set(10), ...get(2), ...i64Load(24), ...set(11),
  ...get(0), ...get(1), ...i32Const(5), 0x74, 0x6a, ...set(5),
  0x02, 0x40, // block
  ...get(0), ...get(5), 0x4f /* i32.ge_u */, 0x0d, 0x00, // br_if 0
  0x03, 0x40, // loop
  ...term(0), ...term(1), 0x6a, ...term(2), 0x6a, ...term(3), 0x6a, ...tee(7),
  ...get(3), 0x4d /* i32.le_u */, 0x04, 0x40, // if
  ...slot(), ...get(0), ...i32Store(0),
  ...slot(), ...get(7), ...i32Store(4),
  ...get(6), ...i32Const(1), 0x6a, ...set(6),
  0x0b, // end if
  ...get(0), ...i32Const(32), 0x6a, ...tee(0), ...get(5), 0x49 /* i32.lt_u */, 0x0d, 0x00, // br_if 0 (loop)
  0x0b, // end loop
  0x0b, // end block
  ...get(6),
  0x0b, // end func
];

const BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 1, I32]), // type: (i32 ×5) → i32
  ...section(2, [1, ...name('m'), ...name('memory'), 0x02, 0x00, 0x01]), // import memory, min 1 page
  ...section(3, [1, 0]), // one function of type 0
  ...section(7, [1, ...name('scan'), 0x00, 0]), // export it
  ...section(10, [1, ...uleb(BODY.length), ...BODY]),
]);

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

let compiled: object | undefined;

export type ScanFunction = (p: number, n: number, q: number, r: number, out: number) => number;

/** A WebAssembly memory of `pages` × 64 KiB and the scan function over it (compiled once per process). */
export function createScan(pages: number): { memory: WasmMemory; scan: ScanFunction } {
  const memory = new wasm.Memory({ initial: pages });
  compiled ??= new wasm.Module(BYTES);
  const instance = new wasm.Instance(compiled, { m: { memory } });
  return { memory, scan: instance.exports.scan as ScanFunction };
}
