/**
 * Work bounded by what it weighs: forEachWithinBudget (decodes in flight by their bytes) and ReaderPool
 * (file reads for concurrent decodes reusing a few buffers).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forEachWithinBudget, ReaderPool } from '../../daemon/scan/scanner';
import { tempDir } from '../fixtures/images';

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

describe('forEachWithinBudget', () => {
  it('runs every item once, in order, within the count limit', async () => {
    const seen: number[] = [];
    let running = 0;
    let most = 0;
    await forEachWithinBudget(
      [1, 2, 3, 4, 5, 6, 7],
      3,
      Infinity,
      () => 1,
      async (item) => {
        running++;
        most = Math.max(most, running);
        seen.push(item);
        await settle();
        running--;
      },
    );
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(most, 3);
  });

  it('starts a task only when the bytes in flight stay within the budget', async () => {
    const gate = gatedTasks();
    const weights = new Map([
      [1, 40],
      [2, 50],
      [3, 30],
      [4, 10],
    ]);
    const done = forEachWithinBudget([1, 2, 3, 4], 4, 100, (item) => weights.get(item)!, gate.task);
    await settle();
    // 40 + 50 fit, 40 + 50 + 30 would not: item 3 waits (and item 4 behind it: the order is kept).
    assert.deepEqual([...gate.inFlight], [1, 2]);
    gate.releaseAll();
    await settle();
    assert.deepEqual([...gate.inFlight].sort(), [3, 4]);
    gate.releaseAll();
    await done;
    assert.deepEqual(gate.started, [1, 2, 3, 4]);
  });

  it('runs an item heavier than the whole budget alone', async () => {
    const gate = gatedTasks();
    const done = forEachWithinBudget([1, 2, 3], 4, 100, (item) => (item === 2 ? 500 : 10), gate.task);
    await settle();
    assert.deepEqual([...gate.inFlight], [1]);
    gate.releaseAll();
    await settle();
    assert.deepEqual([...gate.inFlight], [2]);
    gate.releaseAll();
    await settle();
    assert.deepEqual([...gate.inFlight], [3]);
    gate.releaseAll();
    await done;
  });

  it('rejects with the first error once the tasks in flight are over, starting no more', async () => {
    const started: number[] = [];
    await assert.rejects(
      forEachWithinBudget(
        [1, 2, 3, 4, 5],
        2,
        Infinity,
        () => 0,
        async (item) => {
          started.push(item);
          await settle();
          if (item === 2) throw new Error('bad item 2');
        },
      ),
      /bad item 2/,
    );
    assert.ok(!started.includes(5), `started ${started.join(',')}`);
  });

  it('resolves at once on no items', async () => {
    await forEachWithinBudget(
      [],
      2,
      10,
      () => 1,
      () => Promise.reject(new Error('never called')),
    );
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
