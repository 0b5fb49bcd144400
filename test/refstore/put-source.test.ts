/**
 * putSource keeps the reverse index by target in step with the records without decoding the record it
 * replaces when it wrote that record itself: it must notice when another writer (another store on the same
 * index, another process) replaced the record since, and then read it.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ReferenceStore, type SourceRecord, type StoredReference } from '../../daemon/refstore/store';
import { tempDir } from '../fixtures/images';

function record(file: string, targets: string[]): SourceRecord {
  const references: StoredReference[] = targets.map((target, i) => ({
    text: path.basename(target),
    value: path.basename(target),
    start: i * 10,
    end: i * 10 + 5,
    range: { start: { line: i, character: 0 }, end: { line: i, character: 5 } },
    kind: 'src',
    target,
  }));
  return { path: file, size: 1, mtimeMs: 1, ino: 1, references };
}

describe('references: putSource and the records it wrote', () => {
  let dir: ReturnType<typeof tempDir>;
  const stores: ReferenceStore[] = [];
  beforeEach(() => {
    dir = tempDir('doublon-put-source-');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    dir.cleanup();
  });

  const open = () => {
    const s = ReferenceStore.open(path.join(dir.path, 'index'));
    stores.push(s);
    return s;
  };

  it('replaces the targets of a record it wrote, and of one another store wrote since', () => {
    const page = path.join(dir.path, 'site', 'page.html');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => path.join(dir.path, 'site', `${n}.png`));
    const mine = open();
    mine.putSource(record(page, [a, b]));
    mine.putSource(record(page, [b, c])); // its own record: a leaves, c comes
    assert.deepEqual(mine.sourcesOf(a), []);
    assert.deepEqual(mine.sourcesOf(c), [page]);

    const other = open();
    other.putSource(record(page, [d])); // another writer replaces the record
    assert.deepEqual(other.sourcesOf(b), []);

    mine.putSource(record(page, [a])); // must see d, not the b and c it wrote
    for (const [target, expected] of [
      [a, [page]],
      [b, []],
      [c, []],
      [d, []],
    ] as const)
      assert.deepEqual(mine.sourcesOf(target), expected, path.basename(target));
    assert.deepEqual(
      mine.getSource(page)?.references.map((r) => r.target),
      [a],
    );
  });

  it('does not decode the record it replaces when it wrote it itself', () => {
    const page = path.join(dir.path, 'site', 'page.html');
    const targets = Array.from({ length: 200 }, (_, i) => path.join(dir.path, 'site', `${i}.png`));
    const s = open();
    // The records' database is the store's own: counted here, through its get, to see whether putSource decodes.
    const sources = (s as unknown as { sources: { get(key: string): unknown } }).sources;
    const get = sources.get.bind(sources);
    let decoded = 0;
    sources.get = (key: string) => {
      decoded++;
      return get(key);
    };
    s.putSource(record(page, targets));
    const first = decoded;
    s.putSource(record(page, targets.slice(1)));
    s.putSource(record(page, targets.slice(2)));
    assert.equal(decoded, first, 'a record this store wrote was decoded again');
    assert.deepEqual(s.sourcesOf(targets[0]), []);
    assert.deepEqual(s.sourcesOf(targets[1]), []);
    assert.deepEqual(s.sourcesOf(targets[2]), [page]);
  });

  it('forgets a removed record: a new one with the same path starts from nothing', () => {
    const page = path.join(dir.path, 'site', 'page.html');
    const [a, b] = ['a', 'b'].map((n) => path.join(dir.path, 'site', `${n}.png`));
    const s = open();
    s.putSource(record(page, [a]));
    s.removeSource(page);
    assert.deepEqual(s.sourcesOf(a), []);
    s.putSource(record(page, [b]));
    assert.deepEqual(s.sourcesOf(a), []);
    assert.deepEqual(s.sourcesOf(b), [page]);
  });
});
