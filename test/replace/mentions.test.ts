/** The mention scan on real files: what may name an image, what surely does not, and what is not read. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { findMentions, mayName } from '../../daemon/replace/mentions';
import { tempDir } from '../fixtures/images';
import { write } from '../helpers/site';

describe('replace: the mention scan', () => {
  let dir: { path: string; cleanup(): void };
  let root: string;
  beforeEach(() => {
    dir = tempDir('dbl-mention-');
    root = dir.path;
  });
  afterEach(() => dir.cleanup());

  it('mayName: a differing folder or a ../ path to another existing file names something else; bare names, URLs and template prefixes may name it', async () => {
    const copy = path.join(root, 'copies', 'logo.png');
    await write(root, 'copies/logo.png', 'x');
    await write(root, 'assets/logo.png', 'x');
    const pages = path.join(root, 'pages');
    assert.equal(mayName('../assets/logo.png', pages, copy), false, 'another folder');
    assert.equal(mayName('/assets/logo.png', pages, copy), false);
    assert.equal(mayName('https://example.com/assets/logo.png', pages, copy), false);
    assert.equal(mayName('../copies/logo.png', pages, copy), true);
    assert.equal(mayName('/copies/logo.png?v=2', pages, copy), true);
    assert.equal(mayName('https://example.com/copies/logo.png', pages, copy), true);
    assert.equal(mayName('logo.png', pages, copy), true, 'a bare name may be joined to any folder');
    assert.equal(mayName('$BASE/logo.png', pages, copy), true, 'a variable before it');
    assert.equal(mayName('../x/../../assets/logo.png', path.join(root, 'a', 'b'), copy), false, 'resolves to another existing file');
    assert.equal(mayName('../../copies/logo.png', pages, copy), true, 'resolves to nothing, same folders: may be served from elsewhere');
    assert.equal(mayName('../gone/logo.png', pages, copy), false, 'another folder, even when it resolves to nothing');
    assert.equal(mayName('copies/LOGO.PNG', pages, copy), true, 'case-insensitive hosts');
  });

  it('finds a name in any file once per file and image, with line, column and text; skips longer names, raster files and Doublon baselines', async () => {
    const copy = path.join(root, 'copies', 'logo.png');
    await write(root, 'copies/logo.png', 'x');
    await write(root, 'a.py', 'import os\nLOGO = "copies/logo.png"  # twice: copies/logo.png\n');
    await write(root, 'b.html', '<img src="copies/my-logo.png"><img src="copies/logo.png.bak">\n');
    await write(root, 'c.jpg', Buffer.from('\xff\xd8 copies/logo.png', 'latin1'));
    await write(root, 'utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x\n  "logo.png"\n', 'utf16le')]));
    await write(
      root,
      'doublon-baseline.json',
      JSON.stringify({ version: 1, duplicates: [{ path: 'copies/logo.png', sha256: 'ab', class: 'exact' }] }, null, 2),
    );
    const found = await findMentions({ roots: [root], skip: [], images: [copy] });
    assert.deepEqual(
      found.map((m) => [path.relative(root, m.path), m.line, m.column, m.text]),
      [
        ['a.py', 2, 9, 'LOGO = "copies/logo.png"  # twice: copies/logo.png'],
        ['utf16.txt', 2, 4, '"logo.png"'],
      ],
    );
  });

  it('in a file the plan edits, reads the text as the plan leaves it and ignores the ranges it rewrites', async () => {
    const copy = path.join(root, 'copies', 'logo.png');
    const page = path.join(root, 'page.html');
    await write(root, 'page.html', 'unused on disk');
    const text = '<img src="copies/logo.png">\n<p>copies/logo.png</p>\n';
    const rewritten: Array<[number, number]> = [[10, 25]];
    const found = await findMentions({ roots: [root], skip: [], images: [copy], edited: new Map([[page, { text, rewritten }]]) });
    assert.deepEqual(
      found.map((m) => [m.line, m.column]),
      [[2, 4]],
    );
  });
});
