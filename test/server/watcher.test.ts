/**
 * The watcher with real chokidar on a real temp folder: changes arrive in batches (a burst is a few batches,
 * not one per file), batches never overlap, ignored folders are not reported, and close stops it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WatcherStatus } from '../../protocol/methods';
import { RootWatcher, type WatchOptions } from '../../daemon/server/watcher';
import { tempDir } from '../fixtures/images';
import { waitFor } from '../helpers/wait';

describe('server: the root watcher (chokidar)', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let root: string;
  let watcher: RootWatcher | undefined;
  let batches: string[][];
  let statuses: WatcherStatus[];

  const seen = (): Set<string> => new Set(batches.flat());
  const start = async (extra: Partial<WatchOptions> = {}): Promise<RootWatcher> => {
    watcher = new RootWatcher({
      roots: [root],
      ignored: (p) => p.split(path.sep).includes('node_modules'),
      usePolling: false,
      onBatch: async (paths) => {
        batches.push(paths);
      },
      onStatus: (status) => statuses.push(status),
      ...extra,
    });
    await watcher.start();
    return watcher;
  };

  beforeEach(() => {
    dir = tempDir('doublon-watch-');
    root = path.join(dir.path, 'site');
    fs.mkdirSync(path.join(root, 'img'), { recursive: true });
    fs.mkdirSync(path.join(root, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(root, 'img', 'old.png'), 'old');
    batches = [];
    statuses = [];
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    dir.cleanup();
  });

  it('reports additions, changes and removals, and nothing under an ignored folder', async () => {
    const w = await start();
    assert.deepEqual(statuses.at(-1), { mode: 'native' });
    assert.equal(w.status.mode, 'native');
    fs.writeFileSync(path.join(root, 'node_modules', 'dep.png'), 'dep');
    fs.writeFileSync(path.join(root, 'img', 'new.png'), 'new');
    fs.writeFileSync(path.join(root, 'img', 'old.png'), 'changed');
    await waitFor(
      'the addition and the change',
      () => seen().has(path.join(root, 'img', 'new.png')) && seen().has(path.join(root, 'img', 'old.png')),
    );
    fs.rmSync(path.join(root, 'img', 'new.png'));
    const before = batches.length;
    await waitFor('the removal', () =>
      batches
        .slice(before)
        .flat()
        .includes(path.join(root, 'img', 'new.png')),
    );
    await w.settled();
    assert.ok(![...seen()].some((p) => p.includes('node_modules')), `ignored paths reported: ${[...seen()].join(', ')}`);
    for (const p of seen()) assert.ok(path.isAbsolute(p), p);
  });

  it('gathers a burst into a few batches that run one after another, every path in one of them', async () => {
    let running = 0;
    let overlapped = false;
    const w = await start({
      onBatch: async (paths) => {
        running++;
        if (running > 1) overlapped = true;
        batches.push(paths);
        await new Promise((resolve) => setImmediate(resolve));
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      },
    });
    const count = 200;
    const files = Array.from({ length: count }, (_, i) => path.join(root, 'img', `burst-${i}.png`));
    for (const file of files) fs.writeFileSync(file, file);
    await waitFor(`all ${count} files reported`, () => files.every((f) => seen().has(f)));
    await w.settled();
    assert.ok(!overlapped, 'two batches ran at the same time');
    assert.ok(batches.length < count / 4, `${batches.length} batches for ${count} files`);
  });

  it('settled() hands over pending changes at once; after close() nothing more is reported', async () => {
    const w = await start({ debounceMs: 10_000, maxWaitMs: 10_000 });
    fs.writeFileSync(path.join(root, 'img', 'pending.png'), 'x');
    // chokidar must have seen the file before settled() can hand it over; the debounce keeps it pending.
    await waitFor('chokidar to see the file', async () => {
      await w.settled();
      return seen().has(path.join(root, 'img', 'pending.png'));
    });
    await w.close();
    assert.deepEqual(w.status, { mode: 'off' });
    const after = batches.length;
    fs.writeFileSync(path.join(root, 'img', 'late.png'), 'x');
    await w.settled();
    assert.equal(batches.length, after);
    watcher = undefined;
  });
});
