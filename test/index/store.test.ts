import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IndexStore, type FileRecord } from '../../daemon/index/store';

interface Fp {
  hash: Uint8Array;
  width: number;
}

function file(p: string, sha?: string, extra: Partial<FileRecord> = {}): FileRecord {
  return { path: p, size: 10, mtimeMs: 1000, ino: 1, ...(sha ? { sha256: sha } : {}), ...extra };
}

function sorted(xs: string[]): string[] {
  return [...xs].sort();
}

describe('IndexStore', () => {
  let dir: string;
  const open: IndexStore<Fp>[] = [];

  function openStore(schemaVersion = 1, at = dir): IndexStore<Fp> {
    const store = IndexStore.open<Fp>(at, { schemaVersion });
    open.push(store);
    return store;
  }

  async function reopen(store: IndexStore<Fp>, schemaVersion = 1): Promise<IndexStore<Fp>> {
    await store.close();
    return openStore(schemaVersion);
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-store-'));
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the folder and reads its writes at once, after the flush and after a reopen', async () => {
    const at = path.join(dir, 'nested', '.doublon');
    let store = openStore(1, at);
    assert.ok(fs.statSync(path.join(at, 'data.mdb')).isFile(), 'LMDB files inside the folder, even with a dot in its name');
    assert.equal(store.rebuilt, false);
    store.putFile(file('/r/a.png', 'aa', { size: 5 }));
    assert.deepEqual(store.getFile('/r/a.png'), file('/r/a.png', 'aa', { size: 5 }));
    assert.equal(store.getFile('/r/missing.png'), undefined);
    await store.flushed();
    assert.deepEqual(store.getFile('/r/a.png'), file('/r/a.png', 'aa', { size: 5 }));
    await store.close();
    store = openStore(1, at);
    assert.deepEqual(store.getFile('/r/a.png'), file('/r/a.png', 'aa', { size: 5 }));
    store.putFile(file('/r/a.png', undefined, { error: 'EACCES: permission denied' }));
    assert.deepEqual(store.getFile('/r/a.png'), file('/r/a.png', undefined, { error: 'EACCES: permission denied' }));
    store.removeFile('/r/a.png');
    assert.equal(store.getFile('/r/a.png'), undefined);
    await store.flushed();
    assert.equal(store.getFile('/r/a.png'), undefined);
  });

  it('a returned record is a copy: changing it does not change the index', () => {
    const store = openStore();
    const rec = file('/r/a.png', 'aa');
    store.putFile(rec);
    rec.size = 99;
    store.getFile('/r/a.png')!.size = 77;
    assert.equal(store.getFile('/r/a.png')!.size, 10);
  });

  it('keeps the sha index consistent through put, overwrite and remove (pending and committed)', async () => {
    let store = openStore();
    const check = (expected: Record<string, string[]>, when: string): void => {
      for (const [sha, paths] of Object.entries(expected))
        assert.deepEqual(sorted(store.pathsWithSha(sha)), sorted(paths), `${when}: ${sha}`);
      assert.deepEqual(store.verify(), [], when);
    };
    store.putFile(file('/r/a.png', 's1'));
    store.putFile(file('/r/b.png', 's1'));
    store.putFile(file('/r/c.png', 's2'));
    check({ s1: ['/r/a.png', '/r/b.png'], s2: ['/r/c.png'] }, 'pending');
    await store.flushed();
    check({ s1: ['/r/a.png', '/r/b.png'], s2: ['/r/c.png'] }, 'committed');

    store.putFile(file('/r/a.png', 's2')); // overwrite with another sha
    store.putFile(file('/r/c.png', 's2')); // overwrite with the same sha
    check({ s1: ['/r/b.png'], s2: ['/r/a.png', '/r/c.png'] }, 'overwrite pending');
    await store.flushed();
    check({ s1: ['/r/b.png'], s2: ['/r/a.png', '/r/c.png'] }, 'overwrite committed');

    store.removeFile('/r/b.png');
    store.putFile(file('/r/c.png', undefined, { error: 'truncated' })); // the sha goes away
    store.putFile(file('/r/a.png', 's3'));
    store.putFile(file('/r/a.png', 's1')); // twice in one batch: the last wins
    check({ s1: ['/r/a.png'], s2: [], s3: [] }, 'remove pending');
    await store.flushed();
    check({ s1: ['/r/a.png'], s2: [], s3: [] }, 'remove committed');

    store = await reopen(store);
    check({ s1: ['/r/a.png'], s2: [], s3: [] }, 'reopened');
  });

  it('verify() finds a broken sha index (the check can fail)', async () => {
    const store = openStore();
    store.putFile(file('/r/a.png', 's1'));
    await store.flushed();
    // Break the invariant behind the store's back, through its own sha database.
    const sha = (store as unknown as { shaDb: { putSync(k: string, v: string): void; removeSync(k: string, v: string): void } }).shaDb;
    sha.removeSync('s1', '/r/a.png');
    sha.putSync('s9', '/r/ghost.png');
    assert.deepEqual(sorted(store.verify()), ['/r/a.png: sha s1 has no index entry', 'sha index s9 → /r/ghost.png: no such file record']);
  });

  it('files(prefix) is a folder range query, merging pending and committed records', async () => {
    const store = openStore();
    for (const p of ['/r/a/x.png', '/r/a/y.png', '/r/a/sub/z.png', '/r/ab.png', '/r/a0.png', '/r/b/x.png', '/s/a/x.png'])
      store.putFile(file(p, 'h'));
    const paths = (prefix?: string): string[] => sorted([...store.files(prefix)].map((r) => r.path));
    assert.deepEqual(paths('/r/a'), ['/r/a/sub/z.png', '/r/a/x.png', '/r/a/y.png'], 'pending only');
    await store.flushed();
    assert.deepEqual(paths('/r/a'), ['/r/a/sub/z.png', '/r/a/x.png', '/r/a/y.png'], 'committed only');
    assert.deepEqual(paths('/r/a/'), ['/r/a/sub/z.png', '/r/a/x.png', '/r/a/y.png'], 'trailing slash');
    store.removeFile('/r/a/x.png');
    store.putFile(file('/r/a/w.png', 'h'));
    store.putFile(file('/r/a/y.png', 'other'));
    assert.deepEqual(paths('/r/a'), ['/r/a/sub/z.png', '/r/a/w.png', '/r/a/y.png'], 'mixed');
    assert.equal([...store.files('/r/a')].find((r) => r.path === '/r/a/y.png')!.sha256, 'other', 'pending value wins');
    assert.equal(paths().length, 7);
    assert.deepEqual(paths('/r'), ['/r/a/sub/z.png', '/r/a/w.png', '/r/a/y.png', '/r/a0.png', '/r/ab.png', '/r/b/x.png']);
    assert.deepEqual(paths('/nothing'), []);
  });

  it('stores contents with their fingerprint bytes, and drops unused ones', async () => {
    let store = openStore();
    const hashA = Uint8Array.from({ length: 32 }, (_, i) => i);
    const hashB = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    store.putContent({ sha256: 'ca', bytes: 100, fingerprint: { hash: hashA, width: 64 } });
    store.putContent({ sha256: 'cb', bytes: 200, fingerprint: { hash: hashB, width: 32 }, pixelDigest: 'pd' });
    store.putContent({ sha256: 'cc', bytes: 300, error: 'unsupported image format' });
    store.putFile(file('/r/a.png', 'ca'));
    store.putFile(file('/r/c.png', 'cc'));
    assert.equal(store.getContent('cb')!.pixelDigest, 'pd');
    store = await reopen(store);
    const a = store.getContent('ca')!;
    const b = store.getContent('cb')!;
    // Read both before comparing: a decoded Uint8Array must not alias a reused read buffer.
    assert.deepEqual(Buffer.from(a.fingerprint!.hash), Buffer.from(hashA));
    assert.deepEqual(Buffer.from(b.fingerprint!.hash), Buffer.from(hashB));
    assert.ok(a.fingerprint!.hash instanceof Uint8Array);
    assert.equal(a.fingerprint!.width, 64);
    assert.deepEqual(store.getContent('cc'), { sha256: 'cc', bytes: 300, error: 'unsupported image format' });

    assert.equal(store.removeUnusedContent(), 1);
    assert.equal(store.getContent('cb'), undefined);
    store.removeFile('/r/c.png');
    assert.equal(store.removeUnusedContent(), 1);
    assert.equal(store.getContent('cc'), undefined);
    assert.ok(store.getContent('ca'));
    store = await reopen(store);
    assert.equal(store.getContent('cb'), undefined);
    assert.equal(store.getContent('cc'), undefined);
    assert.ok(store.getContent('ca'));
    assert.equal(store.removeUnusedContent(), 0);
  });

  it('meta: put, get, remove; the store keeps its own keys', async () => {
    let store = openStore();
    store.putMeta('settings', { near: 0.9, roots: ['/r'] });
    assert.deepEqual(store.getMeta('settings'), { near: 0.9, roots: ['/r'] });
    store = await reopen(store);
    assert.deepEqual(store.getMeta('settings'), { near: 0.9, roots: ['/r'] });
    store.putMeta('settings', undefined);
    assert.equal(store.getMeta('settings'), undefined);
    assert.throws(() => store.putMeta('$clock', 5), /expected a non-empty key not starting with '\$' but received "\$clock"/);
  });

  it('the clock is monotonic and persisted across reopen and schema rebuilds', async () => {
    let store = openStore();
    assert.equal(store.clock, 0);
    assert.equal(store.advanceClock(), 1);
    assert.equal(store.advanceClock(), 2);
    assert.equal(store.clock, 2);
    store = await reopen(store);
    assert.equal(store.clock, 2);
    assert.equal(store.advanceClock(), 3);
    store = await reopen(store, 2);
    assert.equal(store.rebuilt, true);
    assert.equal(store.clock, 3, 'a rebuild keeps the clock, so clients can still compare');
    assert.equal(store.advanceClock(), 4);
  });

  it('a schema mismatch wipes the index and says why; the same schema keeps it', async () => {
    let store = openStore(1);
    store.putFile(file('/r/a.png', 's1'));
    store.putContent({ sha256: 's1', bytes: 1 });
    store.putMeta('note', 'x');
    store = await reopen(store, 1);
    assert.equal(store.rebuilt, false);
    assert.equal(store.rebuildReason, undefined);
    assert.ok(store.getFile('/r/a.png'));
    store = await reopen(store, 2);
    assert.equal(store.rebuilt, true);
    assert.equal(store.rebuildReason, 'schema version 2 differs from the stored 1');
    assert.equal(store.getFile('/r/a.png'), undefined);
    assert.equal(store.getContent('s1'), undefined);
    assert.equal(store.getMeta('note'), undefined);
    assert.deepEqual(store.pathsWithSha('s1'), []);
    assert.equal([...store.files()].length, 0);
    store = await reopen(store, 2);
    assert.equal(store.rebuilt, false);
  });

  it('a folder holding something that is not an LMDB index is rebuilt, saying so', async () => {
    fs.writeFileSync(path.join(dir, 'data.mdb'), Buffer.alloc(64 * 1024, 0x5a));
    const store = openStore();
    assert.equal(store.rebuilt, true);
    assert.equal(
      store.rebuildReason,
      'the stored index could not be read (data.mdb is not an LMDB file: the first meta page has no LMDB magic number)',
    );
    assert.equal(store.recovery?.store, 'images');
    assert.deepEqual(
      fs.readFileSync(path.join(store.recovery.movedTo, 'data.mdb')),
      Buffer.alloc(64 * 1024, 0x5a),
      'the damaged file is kept',
    );
    store.putFile(file('/r/a.png', 's1'));
    await store.flushed();
    assert.ok(store.getFile('/r/a.png'));
  });

  it('a truncated data file is rebuilt too', async () => {
    let store = openStore();
    store.putFile(file('/r/a.png', 's1'));
    await store.close();
    fs.truncateSync(path.join(dir, 'data.mdb'), 10);
    store = openStore();
    assert.equal(store.rebuildReason, 'the stored index could not be read (data.mdb is truncated (10 bytes))');
    assert.equal(store.getFile('/r/a.png'), undefined);
  });

  it('an empty data file is a new index, not a rebuild', () => {
    fs.writeFileSync(path.join(dir, 'data.mdb'), '');
    const store = openStore();
    assert.equal(store.rebuilt, false);
    store.putFile(file('/r/a.png', 's1'));
    assert.ok(store.getFile('/r/a.png'));
  });

  it('an unopenable folder gives an error naming it', () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, 'not a folder');
    assert.throws(
      () => IndexStore.open(blocker),
      (err: Error) => {
        assert.equal(
          err.message,
          `Cannot open the Doublon index in ${blocker}: it exists and is not a folder. Remove or rename it, or set another index folder in doublon.config.json.`,
        );
        return true;
      },
    );
    const inside = path.join(blocker, 'index');
    assert.throws(
      () => IndexStore.open(inside),
      new RegExp(`^Error: Cannot open the Doublon index in ${inside.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOTDIR`),
    );
  });

  it('rejects bad records with a message naming the field', () => {
    const store = openStore();
    const long = '/r/' + 'x'.repeat(2000);
    assert.throws(
      () => store.putFile(file(long, 's')),
      /IndexStore.putFile: path of 2003 bytes is longer than the 1900 bytes the index can key/,
    );
    assert.throws(() => store.putFile(file('', 's')), /IndexStore.putFile: expected a non-empty string for path but received ""/);
    assert.throws(() => store.putContent({ sha256: '', bytes: 1 }), /IndexStore.putContent: expected a non-empty string for sha256/);
    // Nothing half-written: the store still works.
    store.putFile(file('/r/ok.png', 's'));
    assert.ok(store.getFile('/r/ok.png'));
  });

  it('a path at the length limit round-trips, with its sha entry', async () => {
    let store = openStore();
    const ok = '/r/' + 'é'.repeat(946) + '.png';
    assert.equal(Buffer.byteLength(ok), 1899);
    store.putFile(file(ok, 'sl'));
    store = await reopen(store);
    assert.ok(store.getFile(ok));
    assert.deepEqual(store.pathsWithSha('sl'), [ok]);
  });

  it('reports closed use clearly', async () => {
    const store = openStore();
    await store.close();
    assert.throws(() => store.getFile('/x'), new RegExp(`The Doublon index in .* is closed`));
  });

  it('writes many records in batches and reads them all back after reopen', async () => {
    let store = openStore();
    for (let i = 0; i < 5000; i++) {
      store.putContent({ sha256: `s${i % 1000}`, bytes: i });
      store.putFile(file(`/r/${i % 7}/f${i}.png`, `s${i % 1000}`));
      if (i % 500 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    assert.equal(store.pathsWithSha('s3').length, 5);
    store = await reopen(store);
    assert.equal([...store.files()].length, 5000);
    assert.equal([...store.files('/r/3')].length, Math.ceil((5000 - 3) / 7));
    assert.equal(store.pathsWithSha('s3').length, 5);
    assert.deepEqual(store.verify(), []);
  });
});
