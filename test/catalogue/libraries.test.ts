/**
 * Shared libraries (`libraries` in doublon.config.json): two sites and a library in temp folders, the real
 * CLI on real images. A copy of a library image in a site is a duplicate of the library's file whatever the
 * canonical rules say; `replace` points the site's references at it (the library's URL when the library is
 * outside the site's roots, a relative path inside), `undo` gives the files back, and the library is never
 * written.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePhoto, tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';
import { write } from '../helpers/site';
import { loadConfig } from '../../daemon/config/load';
import { ConfigError } from '../../daemon/config/validate';
import { rewriteReference } from '../../daemon/refs';

interface JsonReport {
  groups: Array<{ canonical: string; canonicalUrl?: string; rule: string; members: Array<{ path: string }> }>;
}

const CDN = 'https://cdn.city.example/assets/';

describe('shared libraries', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(() => (dir = tempDir('doublon-library-')));
  afterEach(() => dir.cleanup());

  /** Every file under `folder` with its bytes: the library must be exactly the same after any replace. */
  function snapshot(folder: string): Map<string, string> {
    const files = new Map<string, string>();
    for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(folder, file), fs.readFileSync(file).toString('base64'));
    }
    return files;
  }

  it('outside the roots: a copy in each of two sites is replaced by the library URL, then undone', async () => {
    const logo = await makePhoto(21, 320, 240);
    const library = path.join(dir.path, 'library');
    await write(library, 'brand/logo.png', logo);
    const other = await makePhoto(22, 320, 240);
    await write(library, 'brand/other.png', other);
    await write(library, 'archive/other.png', other); // a duplicate inside the library: the library's business, not the sites'
    const sites = ['portal', 'museum'].map((name) => path.join(dir.path, name));
    for (const site of sites) {
      await write(site, 'img/logo.png', logo);
      // Two references: by the canonical rules alone (most-referenced) the site's copy would win.
      await write(site, 'index.html', '<img src="img/logo.png" alt="">\n<img src="./img/logo.png#top" alt="">\n');
      fs.writeFileSync(path.join(site, 'doublon.config.json'), JSON.stringify({ libraries: [{ path: '../library', url: CDN }] }));
    }
    const before = snapshot(library);

    for (const site of sites) {
      const check = await runCli(site, 'check', '--no-daemon', '--format', 'json');
      assert.equal(check.code, 1, check.stderr);
      const report = JSON.parse(check.stdout) as JsonReport;
      assert.equal(report.groups.length, 1);
      const [group] = report.groups;
      assert.equal(path.resolve(site, group.canonical), path.join(fs.realpathSync(library), 'brand/logo.png'));
      assert.equal(group.canonicalUrl, `${CDN}brand/logo.png`);
      assert.deepEqual(group.members.map((m) => m.path).slice(1), ['img/logo.png']);

      const text = await runCli(site, 'check', '--no-daemon');
      assert.match(text.stdout, /cdn\.city\.example\/assets\/brand\/logo\.png/);

      const applied = await runCli(site, 'replace', '--no-daemon', '--apply', '--delete');
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.equal(
        fs.readFileSync(path.join(site, 'index.html'), 'utf8'),
        `<img src="${CDN}brand/logo.png" alt="">\n<img src="${CDN}brand/logo.png#top" alt="">\n`,
      );
      assert.ok(!fs.existsSync(path.join(site, 'img/logo.png')), 'the unreferenced copy went to the trash');
    }
    assert.deepEqual(snapshot(library), before, 'the library is read, never written');

    const undone = await runCli(sites[0], 'undo');
    assert.equal(undone.code, 0, undone.stderr);
    assert.equal(
      fs.readFileSync(path.join(sites[0], 'index.html'), 'utf8'),
      '<img src="img/logo.png" alt="">\n<img src="./img/logo.png#top" alt="">\n',
    );
    assert.ok(fs.existsSync(path.join(sites[0], 'img/logo.png')));
    assert.deepEqual(snapshot(library), before);
  });

  it('inside the roots: the library copy wins over a pinned-looking rule, references become relative, library copies are kept', async () => {
    const logo = await makePhoto(31, 320, 240);
    const site = path.join(dir.path, 'site');
    await write(site, 'shared/logo.png', logo);
    await write(site, 'shared/old/logo.png', logo); // a duplicate inside the library: never removed
    await write(site, 'img/logo.png', logo);
    await write(site, 'pages/a.html', '<img src="../img/logo.png">\n');
    await write(site, 'pages/b.html', '<img src="../img/logo.png">\n');
    fs.writeFileSync(
      path.join(site, 'doublon.config.json'),
      JSON.stringify({
        canonical: { preferred: ['img/**'] },
        libraries: [{ path: 'shared', url: '/shared/' }],
      }),
    );
    const before = snapshot(path.join(site, 'shared'));

    const check = await runCli(site, 'check', '--no-daemon', '--format', 'json');
    const [group] = (JSON.parse(check.stdout) as JsonReport).groups;
    assert.equal(group.canonical, 'shared/logo.png');

    const applied = await runCli(site, 'replace', '--no-daemon', '--apply', '--delete', '--json');
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(fs.readFileSync(path.join(site, 'pages/a.html'), 'utf8'), '<img src="../shared/logo.png">\n');
    assert.equal(fs.readFileSync(path.join(site, 'pages/b.html'), 'utf8'), '<img src="../shared/logo.png">\n');
    assert.ok(!fs.existsSync(path.join(site, 'img/logo.png')));
    assert.deepEqual(snapshot(path.join(site, 'shared')), before, 'the copy inside the library is kept');
  });

  it("the editor's rewrite (rewriteReference, as the quick fix calls it) gives the URL outside the roots, a path inside", () => {
    const root = path.join(dir.path, 'site');
    const libraries = [
      { dir: path.join(dir.path, 'lib'), url: CDN, insideRoots: false },
      { dir: path.join(root, 'shared'), url: '/shared/', insideRoots: true },
    ];
    const options = { roots: [root], webRoots: [root], libraries };
    assert.equal(
      rewriteReference(path.join(root, 'index.html'), 'img/a b.png?v=2', path.join(dir.path, 'lib/icons/a b.png'), options),
      `${CDN}icons/a%20b.png?v=2`,
    );
    assert.equal(rewriteReference(path.join(root, 'index.html'), 'img/a.png', path.join(root, 'shared/a.png'), options), 'shared/a.png');
  });

  it('a library that does not exist, or a URL that is not one, is a clear configuration error', async () => {
    const site = path.join(dir.path, 'site');
    await write(site, 'a.png', await makePhoto(41, 64, 64));
    fs.writeFileSync(path.join(site, 'doublon.config.json'), JSON.stringify({ libraries: [{ path: '../nowhere', url: CDN }] }));
    assert.throws(
      () => loadConfig({ cwd: site }),
      (e: unknown) => e instanceof ConfigError && /libraries\[0\]\.path: .*nowhere.* is not an existing folder/.test(e.message),
    );
    fs.writeFileSync(
      path.join(site, 'doublon.config.json'),
      JSON.stringify({ libraries: [{ path: '.', url: 'cdn.example.org' }, { folder: 'x' }] }),
    );
    assert.throws(
      () => loadConfig({ cwd: site }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /libraries\[0\]\.url: expected an http\(s\) URL/.test(e.message) &&
        /libraries\[1\]\.folder: unknown key/.test(e.message),
    );
  });
});
