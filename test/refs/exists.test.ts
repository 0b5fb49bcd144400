import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExistenceCache } from '../../daemon/refs/exists';
import { tempDir } from '../fixtures/images';

/** What fs says, the answer the cache must give. */
const statIsFile = (p: string) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

describe('refs: file existence from folder listings (ExistenceCache)', () => {
  let dir: { path: string; cleanup(): void };
  beforeEach(() => {
    dir = tempDir('doublon-exists-');
  });
  afterEach(() => dir.cleanup());

  it('answers like stat for files, folders, links and missing paths', () => {
    const p = (...s: string[]) => path.join(dir.path, ...s);
    fs.mkdirSync(p('img', 'sub'), { recursive: true });
    fs.writeFileSync(p('img', 'a.png'), 'a');
    fs.symlinkSync(p('img', 'a.png'), p('img', 'link.png'));
    fs.symlinkSync(p('img', 'sub'), p('img', 'link-dir'));
    fs.symlinkSync(p('img', 'gone.png'), p('img', 'dangling.png'));
    const cache = new ExistenceCache();
    cache.pass();
    for (const q of [
      p('img', 'a.png'),
      p('img', 'link.png'),
      p('img', 'link-dir'),
      p('img', 'dangling.png'),
      p('img', 'sub'),
      p('img', 'missing.png'),
      p('nowhere', 'a.png'),
      p('img', 'a.png', 'x.png'),
      p('img') + path.sep,
    ]) {
      assert.equal(cache.isFile(q), statIsFile(q), q);
    }
  });

  it('sees files added and removed by the next pass, and after forget within a pass', () => {
    const img = path.join(dir.path, 'img');
    fs.mkdirSync(img);
    fs.writeFileSync(path.join(img, 'a.png'), 'a');
    const cache = new ExistenceCache();
    cache.pass();
    assert.equal(cache.isFile(path.join(img, 'b.png')), false);
    fs.writeFileSync(path.join(img, 'b.png'), 'b');
    fs.rmSync(path.join(img, 'a.png'));
    // Within one pass a listing is reused (that is the point); the watcher's forget drops it.
    cache.forget([path.join(img, 'b.png')]);
    assert.equal(cache.isFile(path.join(img, 'b.png')), true);
    assert.equal(cache.isFile(path.join(img, 'a.png')), false);
    fs.writeFileSync(path.join(img, 'c.png'), 'c');
    cache.pass(); // the folder's mtime changed: listed again
    assert.equal(cache.isFile(path.join(img, 'c.png')), true);
  });

  it('lists a folder once per pass however many paths are asked about', () => {
    const img = path.join(dir.path, 'img');
    fs.mkdirSync(img);
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(img, `i${i}.png`), String(i));
    const cache = new ExistenceCache();
    for (let pass = 0; pass < 3; pass++) {
      cache.pass();
      for (let i = 0; i < 100; i++) assert.equal(cache.isFile(path.join(img, `i${i}.png`)), i < 50);
    }
    assert.equal(cache.listings, 1, 'unchanged folder: listed once, its stat compared once per pass');
  });
});
