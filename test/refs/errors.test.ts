import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractFile, extractReferences, readSourceFile } from '../../daemon/refs';

describe('refs: bad files give clear per-file errors and the rest proceeds', () => {
  let dir: string;
  const f = (rel: string) => path.join(dir, rel);
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-refs-err-'));
    fs.writeFileSync(f('good.html'), '<img src="a.png">\n');
    fs.writeFileSync(f('binary.html'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    fs.writeFileSync(
      f('latin1.html'),
      Buffer.concat([
        Buffer.from('<p>'),
        Buffer.from([0xe9, 0xe8]),
        Buffer.from('</p><img src="caf'),
        Buffer.from([0xe9]),
        Buffer.from('.png">'),
      ]),
    );
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
    fs.writeFileSync(f('huge.css'), big);
    fs.writeFileSync(f('bom.css'), '\ufeffa { background: url(b.png) }');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses binary content behind a source extension', async () => {
    const r = await readSourceFile(f('binary.html'));
    assert.ok('error' in r);
    assert.match(r.error, /binary content \(NUL byte at offset 8\)/);
    assert.match(r.error, /binary\.html/);
  });

  it('reads non-UTF-8 as Latin-1 with a warning, and still finds its references', async () => {
    const r = await readSourceFile(f('latin1.html'));
    assert.ok(!('error' in r));
    assert.equal(r.encoding, 'latin1');
    assert.match(r.warnings[0], /not valid UTF-8 \(first bad byte at offset 3\)/);
    const x = await extractFile(f('latin1.html'));
    assert.deepEqual(
      x.references.map((y) => y.text),
      ['café.png'],
    );
  });

  it('refuses a file over 10 MB, naming size and limit', async () => {
    const r = await readSourceFile(f('huge.css'));
    assert.ok('error' in r);
    assert.match(r.error, /10\.0 MB \(10485761 bytes\) is over the 10\.0 MB limit/);
  });

  it('strips a UTF-8 BOM so offsets match the editor', async () => {
    const x = await extractFile(f('bom.css'));
    assert.equal(x.references[0].start, 'a { background: url('.length);
  });

  it('batch: bad files report errors, good files still yield references', async () => {
    const results = await Promise.all(
      ['good.html', 'binary.html', 'huge.css', 'latin1.html', 'missing.html'].map((n) => extractFile(f(n))),
    );
    assert.deepEqual(
      results.map((r) => r.references.length),
      [1, 0, 0, 1, 0],
    );
    assert.deepEqual(
      results.map((r) => r.errors.length > 0),
      [false, true, true, false, true],
    );
    assert.match(results[4].errors[0], /missing\.html: cannot read: ENOENT/);
  });

  it('malformed HTML: unclosed element and runaway quote are reported, references before still found', () => {
    const text = '<div>\n<img src="ok.png">\n<img src="broken.png>\n<p>text</p>\n<img src="late.png">\n';
    const r = extractReferences('/x/bad.html', text);
    assert.ok(r.references.some((x) => x.text === 'ok.png'));
    assert.ok(
      r.errors.some((e) => /bad\.html:3: the "-quoted value of src runs over 3 lines/.test(e)),
      r.errors.join('\n'),
    );
    assert.ok(
      r.errors.some((e) => /never closed: <div> at line 1/.test(e)),
      r.errors.join('\n'),
    );
  });

  it('malformed CSS: reported with its line, tolerant parse keeps the references', () => {
    const r = extractReferences('/x/bad.css', '.a { background: url(a.png) }\n.b { background: url("b.png") ;\n.c { color: red');
    assert.deepEqual(
      r.references.map((x) => x.text),
      ['a.png', 'b.png'],
    );
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0], /bad\.css:3:1: malformed CSS: Unclosed block/);
  });

  it('malformed JS: syntax error reported, recovered parse keeps the references', () => {
    const r = extractReferences('/x/bad.js', 'import a from "./a.png";\nfunction ( {\nconst b = require("./b.png");\n');
    assert.deepEqual(
      r.references.map((x) => x.text),
      ['./a.png', './b.png'],
    );
    assert.match(r.errors[0], /bad\.js:2: JS syntax error/);
  });

  it('malformed JSON: reported, strings before the error still found', () => {
    const r = extractReferences('/x/m.json', '{"icons":[{"src":"a.png"},\n{"src": }');
    assert.deepEqual(
      r.references.map((x) => x.text),
      ['a.png'],
    );
    assert.match(r.errors[0], /malformed JSON: ValueExpected at line 2/);
  });
});
