/**
 * Work bounded by what it weighs: DecodeBudget (decodes in flight by their bytes) and ReaderPool (file reads
 * for concurrent decodes reusing a few buffers).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DECODE_BYTES_IN_FLIGHT, decodeBudget, decodedBytes, DecodeBudget } from '../../daemon/hash/decode-budget';
import { decodeDetail, DEFAULT_MAX_PIXELS, fingerprint, pixelDigest } from '../../daemon/hash';
import { ReaderPool } from '../../daemon/scan/scanner';
import { encode, makePhoto, tempDir } from '../fixtures/images';

/** A task that stays in flight until the test releases it, recording what ran at once. */
function gatedTasks(): {
  task: (item: number) => Promise<void>;
  inFlight: Set<number>;
  started: number[];
  releaseAll: () => void;
} {
  const inFlight = new Set<number>();
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  return {
    inFlight,
    started,
    task: (item) =>
      new Promise<void>((resolve) => {
        inFlight.add(item);
        started.push(item);
        releases.set(item, () => {
          inFlight.delete(item);
          resolve();
        });
      }),
    releaseAll: () => {
      for (const [item, release] of [...releases]) {
        releases.delete(item);
        release();
      }
    },
  };
}

/** Lets settled promises run their continuations. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DecodeBudget', () => {
  /** Decodes of these weights asked for in this order; each stays in flight until released. */
  function decodes(budget: DecodeBudget, weights: number[]): { gate: ReturnType<typeof gatedTasks>; done: Promise<void[]> } {
    const gate = gatedTasks();
    const done = Promise.all(weights.map((bytes, item) => budget.run(bytes, () => gate.task(item))));
    return { gate, done };
  }

  it('starts a decode only when the bytes in flight stay within the budget, first come first served', async () => {
    const { gate, done } = decodes(new DecodeBudget(100), [40, 50, 30, 10]);
    await settle();
    // 40 + 50 fit, 40 + 50 + 30 would not: the third waits, and the fourth behind it although it would fit.
    assert.deepEqual([...gate.inFlight], [0, 1]);
    gate.releaseAll();
    await settle();
    assert.deepEqual([...gate.inFlight].sort(), [2, 3]);
    gate.releaseAll();
    await done;
    assert.deepEqual(gate.started, [0, 1, 2, 3]);
  });

  it('runs a decode heavier than the whole budget alone', async () => {
    const { gate, done } = decodes(new DecodeBudget(100), [10, 500, 10]);
    await settle();
    assert.deepEqual([...gate.inFlight], [0]);
    gate.releaseAll();
    await settle();
    assert.deepEqual([...gate.inFlight], [1]);
    gate.releaseAll();
    await settle();
    assert.deepEqual([...gate.inFlight], [2]);
    gate.releaseAll();
    await done;
  });

  it('frees the bytes of a decode that failed, and passes its error on', async () => {
    const budget = new DecodeBudget(100);
    await assert.rejects(
      budget.run(90, () => Promise.reject(new Error('corrupt'))),
      /corrupt/,
    );
    const { gate, done } = decodes(budget, [90]);
    await settle();
    assert.deepEqual([...gate.inFlight], [0], 'the failed decode’s 90 bytes are free again');
    gate.releaseAll();
    await done;
  });

  it('counts what a decode holds: the whole raster, a JPEG shrunk on load by up to 8, a WebP decoded in full three times', () => {
    assert.equal(decodedBytes(8062, 2300, 'png', 64), 8062 * 2300 * 4);
    assert.equal(decodedBytes(8062, 2300, 'png'), 8062 * 2300 * 4, 'a PNG’s full decode');
    assert.equal(decodedBytes(3840, 2160, 'webp'), 3 * 3840 * 2160 * 4, 'a WebP’s full decode: three copies');
    assert.equal(decodedBytes(3840, 2160, 'webp', 512), 3840 * 2160 * 4, 'a WebP decoded for a smaller output');
    assert.equal(decodedBytes(4000, 3000, 'jpeg'), 4000 * 3000 * 4, 'a full decode');
    assert.equal(decodedBytes(4000, 3000, 'jpeg', 64), 500 * 375 * 4);
    assert.equal(decodedBytes(4000, 3000, 'jpeg', 512), 1000 * 750 * 4, 'never below the output size');
  });
});

describe('ReaderPool', () => {
  const dir = tempDir('doublon-readers-');
  after(() => dir.cleanup());

  it('hands each concurrent use the bytes of its own file, whatever their sizes', async () => {
    const sizes = [0, 10, 70_000, 300_000, 5_000_000, 123];
    const files = sizes.map((size, i) => {
      const file = path.join(dir.path, `f${i}`);
      const bytes = Buffer.alloc(size);
      for (let k = 0; k < size; k++) bytes[k] = (k * 31 + i) & 0xff;
      fs.writeFileSync(file, bytes);
      return { file, bytes };
    });
    const pool = new ReaderPool();
    // Twice over, three at a time: buffers are reused across files of other sizes.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < files.length; i += 3) {
        await Promise.all(
          files.slice(i, i + 3).map(({ file, bytes }) =>
            pool.withBytes(file, async (read) => {
              await settle(); // another use reads meanwhile
              assert.ok(read.equals(bytes), `${path.basename(file)}: ${read.length} bytes read, ${bytes.length} expected`);
            }),
          ),
        );
      }
    }
  });

  it('passes on a read error and stays usable', async () => {
    const pool = new ReaderPool();
    await assert.rejects(
      pool.withBytes(path.join(dir.path, 'missing'), async () => 1),
      { code: 'ENOENT' },
    );
    const file = path.join(dir.path, 'present');
    fs.writeFileSync(file, 'abc');
    assert.equal(await pool.withBytes(file, async (bytes) => bytes.toString()), 'abc');
  });
});

describe('the decodes of this process share one budget', () => {
  /** Whether `work` settles while the whole budget is held by another decode, and after it is released. */
  async function waitsForTheBudget(work: () => Promise<unknown>): Promise<{ before: boolean; after: boolean }> {
    let releaseHolder = (): void => undefined;
    const holder = decodeBudget.run(DECODE_BYTES_IN_FLIGHT, () => new Promise<void>((resolve) => (releaseHolder = resolve)));
    await settle();
    let settled = false;
    const pending = work().finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = settled;
    releaseHolder();
    await holder;
    await pending;
    return { before, after: settled };
  }

  it('fingerprints, pixel digests and detail rasters wait for their bytes', async () => {
    const png = await encode(await makePhoto(7, 640, 480), 'png');
    for (const [name, work] of [
      ['fingerprint', () => fingerprint(png)],
      ['pixel digest', () => pixelDigest(png)],
      ['detail raster', () => decodeDetail(png, DEFAULT_MAX_PIXELS)],
    ] as const) {
      const { before, after } = await waitsForTheBudget(work);
      assert.equal(before, false, `${name}: decoded while the budget was full`);
      assert.equal(after, true, name);
    }
  });
});
