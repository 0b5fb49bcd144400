/** The one atomic write, on real files: content, mode and no temp file left, whether it succeeds or fails. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWrite, atomicWriteSync, TEMP_FILE_PATTERN } from '../../daemon/fs/atomic-write';
import { removeLeftoverTempFiles } from '../../daemon/replace/tree';
import { tempDir } from '../fixtures/images';

describe('fs: atomic write', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('doublon-atomic-');
  });
  afterEach(() => dir.cleanup());

  const names = (): string[] => fs.readdirSync(dir.path).sort();

  for (const [name, write] of [
    ['atomicWrite', atomicWrite],
    ['atomicWriteSync', async (...args: Parameters<typeof atomicWriteSync>) => atomicWriteSync(...args)],
  ] as const) {
    it(`${name}: replaces the content, gives the mode asked for, leaves no temp file`, async () => {
      const file = path.join(dir.path, 'page.html');
      fs.writeFileSync(file, 'old', { mode: 0o644 });
      const inode = fs.statSync(file).ino;
      await write(file, 'new content', { mode: 0o640 });
      assert.equal(fs.readFileSync(file, 'utf8'), 'new content');
      assert.equal(fs.statSync(file).mode & 0o7777, 0o640);
      assert.notEqual(fs.statSync(file).ino, inode, 'a new file renamed over the old one');
      assert.deepEqual(names(), ['page.html']);
      await write(path.join(dir.path, 'fresh.json'), Buffer.from([1, 2, 3]), { mode: 0o600, durable: false });
      assert.deepEqual([...fs.readFileSync(path.join(dir.path, 'fresh.json'))], [1, 2, 3]);
      assert.equal(fs.statSync(path.join(dir.path, 'fresh.json')).mode & 0o777, 0o600);
    });

    it(`${name}: a failed write leaves what was there and no temp file`, async () => {
      const target = path.join(dir.path, 'taken');
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, 'inside.txt'), 'kept');
      await assert.rejects(write(target, 'x', { mode: 0o644 }));
      assert.deepEqual(names(), ['taken']);
      assert.equal(fs.readFileSync(path.join(target, 'inside.txt'), 'utf8'), 'kept');
      await assert.rejects(write(path.join(dir.path, 'missing-folder', 'f.txt'), 'x', { mode: 0o644 }));
      assert.deepEqual(names(), ['taken']);
    });
  }

  it('an interrupted write leaves a temp file that the clean-up recognises, and only such files are removed', async () => {
    // A write killed between open and rename leaves `.NAME.doublon-<12 hex>.tmp`.
    const leftover = path.join(dir.path, '.page.html.doublon-0123456789ab.tmp');
    const lookalike = path.join(dir.path, '.page.html.doublon-notours.tmp');
    fs.writeFileSync(leftover, 'half');
    fs.writeFileSync(lookalike, 'user file');
    assert.ok(TEMP_FILE_PATTERN.test(path.basename(leftover)));
    assert.ok(!TEMP_FILE_PATTERN.test(path.basename(lookalike)));
    const removed = await removeLeftoverTempFiles([dir.path], Date.now() + 1000);
    assert.deepEqual(removed, [leftover]);
    assert.deepEqual(names(), [path.basename(lookalike)]);
  });
});
