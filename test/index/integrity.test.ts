/**
 * The checks that run before LMDB maps an index (daemon/index/integrity.ts), on real LMDB files: the seal
 * of a clean close spares the walk, anything else walks, and damage the structure check cannot see (the
 * data pages) is found by the walk in a child process — the test process survives it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { IndexStore } from '../../daemon/index/store';
import { checkStructure, guardEnvironment, walkInChild } from '../../daemon/index/integrity';
import { tempDir } from '../fixtures/images';
import { noise } from '../adversarial/index-helpers';

const PAGE = 4096;

async function writeIndex(dir: string, files: number): Promise<void> {
  const store = IndexStore.open<{ n: number }>(dir);
  for (let i = 0; i < files; i++) {
    store.putContent({ sha256: `sha-${i}`, bytes: i, fingerprint: { n: i } });
    store.putFile({ path: `/site/images/${i}.png`, size: i, mtimeMs: i, ino: i, sha256: `sha-${i}` });
  }
  await store.close();
}

/** Page numbers of the two trees' roots in both meta pages (offsets as in LMDB's MDB_meta, see integrity.ts). */
function rootPages(file: string): Set<number> {
  const bytes = fs.readFileSync(file);
  const roots = new Set<number>();
  for (const meta of [24, PAGE + 24]) {
    for (const root of [bytes.readBigUInt64LE(meta + 24 + 40), bytes.readBigUInt64LE(meta + 24 + 48 + 40)])
      if (root !== 0xffffffffffffffffn) roots.add(Number(root));
  }
  return roots;
}

describe('index integrity checks', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(() => (dir = tempDir('doublon-integrity-')));
  afterEach(() => dir.cleanup());

  it('a cleanly closed index is trusted without a walk; one changed since, or not closed, is walked', async () => {
    await writeIndex(dir.path, 300);
    assert.equal(guardEnvironment(dir.path, { indexDir: dir.path, store: 'images' }).walk, undefined, 'sealed: no walk');
    // The guard dropped the seal (the index counts as open now): without a clean close, the next open walks.
    const unclean = guardEnvironment(dir.path, { indexDir: dir.path, store: 'images' });
    assert.equal(unclean.recovery, undefined);
    assert.ok(unclean.walk && unclean.walk.entries >= 600, JSON.stringify(unclean.walk));

    await writeIndex(dir.path, 10); // closes cleanly again
    const file = path.join(dir.path, 'data.mdb');
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(1), 0, 1, fs.fstatSync(fd).size - 1); // a write by someone else
    fs.closeSync(fd);
    const changed = guardEnvironment(dir.path, { indexDir: dir.path, store: 'images' });
    assert.ok(changed.walk, 'changed since the seal: walked');
  });

  it('garbage in every data page passes the structure check and is found by the walk, moved aside', async () => {
    await writeIndex(dir.path, 2000);
    const file = path.join(dir.path, 'data.mdb');
    const roots = rootPages(file);
    const pages = fs.statSync(file).size / PAGE;
    const fd = fs.openSync(file, 'r+');
    let damaged = 0;
    for (let page = 2; page < pages; page++) {
      if (roots.has(page)) continue;
      fs.writeSync(fd, noise(page, PAGE), 0, PAGE, page * PAGE);
      damaged++;
    }
    fs.closeSync(fd);
    assert.ok(damaged > 10);
    assert.equal(checkStructure(file).state, 'sound', 'the meta and root pages are intact');

    const walk = walkInChild(dir.path);
    assert.ok(walk.damage, 'the walk fails');
    const result = guardEnvironment(dir.path, { indexDir: dir.path, store: 'images' });
    assert.ok(result.recovery, 'damaged');
    assert.match(result.recovery.reason, /^checking it (failed|\(a read of every record, a rewrite of each\) killed the checking process)/);
    assert.ok(fs.existsSync(path.join(result.recovery.movedTo, 'data.mdb')));
    assert.equal(fs.existsSync(file), false);

    const store = IndexStore.open<{ n: number }>(dir.path);
    assert.equal([...store.files()].length, 0, 'a fresh index');
    await store.close();
  });

  it('an index whose records all read back but whose first write crashed (a real case, kept as a fixture) is found damaged', () => {
    // Random bytes over pages 3–10 of the example site's index: every record read back, then the scan's first
    // put crashed the process (SIGSEGV in mdb_node_add). The check writes each record again (aborted) to find it.
    const fixture = path.resolve(__dirname, '../../../test/fixtures/damaged-index/put-crash.data.mdb.gz');
    fs.writeFileSync(path.join(dir.path, 'data.mdb'), zlib.gunzipSync(fs.readFileSync(fixture)));
    assert.equal(checkStructure(path.join(dir.path, 'data.mdb')).state, 'sound', 'its structure looks sound');
    const walk = walkInChild(dir.path);
    assert.ok(walk.damage, `damage found: ${JSON.stringify(walk)}`);
  });

  it('a structure check tells truncations and foreign files apart from a sound index', async () => {
    await writeIndex(dir.path, 50);
    const file = path.join(dir.path, 'data.mdb');
    assert.deepEqual(checkStructure(file), { state: 'sound' });
    const size = fs.statSync(file).size;
    fs.truncateSync(file, PAGE);
    assert.deepEqual(checkStructure(file), {
      state: 'damaged',
      reason: `data.mdb is truncated (4096 bytes, less than its two 4096-byte meta pages)`,
    });
    fs.truncateSync(file, 0);
    assert.deepEqual(checkStructure(file), { state: 'sound' }, 'empty and never sealed: LMDB is creating it');
    assert.deepEqual(checkStructure(file, size), { state: 'damaged', reason: `data.mdb is empty, ${size} bytes at the last clean close` });
    fs.writeFileSync(file, Buffer.alloc(3 * PAGE, 0x41));
    assert.deepEqual(checkStructure(file), {
      state: 'damaged',
      reason: 'data.mdb is not an LMDB file: the first meta page is not a meta page',
    });
  });
});
