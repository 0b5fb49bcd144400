/** The one directory walker on a real tree: what it enters, links never followed, names that are not UTF-8. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkFiles, walkFolders } from '../../daemon/fs/walk';
import { tempDir } from '../fixtures/images';

function put(root: string, rel: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), rel);
}

const relativeTo = (root: string, files: Iterable<string>): string[] =>
  [...files].map((f) => path.relative(root, f).split(path.sep).join('/')).sort();

describe('fs: walk', () => {
  let dir: ReturnType<typeof tempDir>;
  let root: string;
  beforeEach(() => {
    dir = tempDir('doublon-walk-');
    root = path.join(dir.path, 'root');
    for (const rel of ['a.png', 'sub/b.png', 'sub/deep/c.css', 'skip/d.png', 'node_modules/e.png']) put(root, rel);
    put(dir.path, 'outside/secret.png');
  });
  afterEach(() => dir.cleanup());

  it('hands every regular file of the folders `enter` lets in, with paths relative to the start', () => {
    const entered: string[] = [];
    const files = walkFiles(root, {
      enter: (f) => {
        entered.push(f.relative);
        return f.name !== 'skip' && f.name !== 'node_modules';
      },
    });
    assert.deepEqual(relativeTo(root, files), ['a.png', 'sub/b.png', 'sub/deep/c.css']);
    assert.deepEqual(entered.sort(), ['node_modules', 'skip', 'sub', 'sub/deep']);
    const folders = [...walkFolders(path.join(root, 'sub'), { startRelative: 'sub' })].map((f) => f.relative).sort();
    assert.deepEqual(folders, ['sub', 'sub/deep']);
  });

  it('never follows a symbolic link, to a folder outside, to a file, or in a loop', () => {
    fs.symlinkSync(path.join(dir.path, 'outside'), path.join(root, 'link-out'));
    fs.symlinkSync(path.join(dir.path, 'outside', 'secret.png'), path.join(root, 'link-file.png'));
    fs.symlinkSync(root, path.join(root, 'sub', 'loop'));
    assert.deepEqual(relativeTo(root, walkFiles(root)), ['a.png', 'node_modules/e.png', 'skip/d.png', 'sub/b.png', 'sub/deep/c.css']);
  });

  it('reports an unreadable start and passes over a folder that vanishes', () => {
    const unreadable: string[] = [];
    assert.deepEqual([...walkFiles(path.join(dir.path, 'nope'), { onUnreadable: (f) => unreadable.push(f) })], []);
    assert.deepEqual(unreadable, [path.join(dir.path, 'nope')]);
    const seen: string[] = [];
    for (const folder of walkFolders(root, { onUnreadable: (f) => unreadable.push(f) })) {
      seen.push(folder.relative);
      if (folder.relative === '') fs.rmSync(path.join(root, 'sub'), { recursive: true });
    }
    assert.ok(!seen.includes('sub/deep'));
    assert.deepEqual(unreadable, [path.join(dir.path, 'nope'), path.join(root, 'sub')]);
  });

  it('sets apart names that are not valid UTF-8, as their bytes', function () {
    const bad = Buffer.concat([Buffer.from(root + path.sep), Buffer.from([0x66, 0xff, 0x2e, 0x70, 0x6e, 0x67])]);
    try {
      fs.writeFileSync(bad, 'x');
    } catch {
      // A file system that refuses such names (macOS APFS) cannot hold the case under test.
      return;
    }
    const top = [...walkFolders(root, { enter: () => false })][0];
    assert.deepEqual(
      top.invalidNames.map((b) => [...b]),
      [[0x66, 0xff, 0x2e, 0x70, 0x6e, 0x67]],
    );
    assert.ok(top.entries.every((e) => !e.name.includes('\uFFFD')));
    assert.deepEqual(
      top.entries.filter((e) => e.isFile()).map((e) => e.name),
      ['a.png'],
    );
  });
});
