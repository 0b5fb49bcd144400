import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../daemon/config/load';
import { DoublonService } from '../../daemon/server/service';
import { forgetSites } from '../../daemon/refs';
import { ReferenceStore } from '../../daemon/refstore/store';
import { indexSource } from '../../daemon/refstore/update';
import { applySiteChanges, isSiteConfig } from '../../daemon/refstore/site-config';
import { makePhoto, tempDir } from '../fixtures/images';
import { waitFor } from '../helpers/daemon';

/**
 * A Jekyll site whose page writes "/blog/img/logo.png". Under `baseurl: /blog` that is the site's own
 * img/logo.png; with no baseurl it is the file blog/img/logo.png. Both files exist, so the resolved target
 * says which rules the daemon applies.
 */
async function writeJekyllSite(root: string, baseurl: string): Promise<{ page: string; underBase: string; literal: string }> {
  fs.mkdirSync(path.join(root, 'img'), { recursive: true });
  fs.mkdirSync(path.join(root, 'blog', 'img'), { recursive: true });
  fs.writeFileSync(path.join(root, '_config.yml'), `title: City\nbaseurl: ${baseurl}\n`);
  const underBase = path.join(root, 'img', 'logo.png');
  const literal = path.join(root, 'blog', 'img', 'logo.png');
  fs.writeFileSync(underBase, await makePhoto(1));
  fs.writeFileSync(literal, await makePhoto(2));
  const page = path.join(root, 'index.html');
  fs.writeFileSync(page, '<!doctype html>\n<p><img src="/blog/img/logo.png" alt="City"></p>\n');
  return { page, underBase, literal };
}

describe('templates: a changed site configuration re-resolves the references', function () {
  this.timeout(60_000);

  it('names the configuration files of each generator, and nothing else', () => {
    for (const p of [
      '/s/_config.yml',
      '/s/hugo.toml',
      '/s/config.toml',
      '/s/.eleventy.js',
      '/s/eleventy.config.mjs',
      '/t/city.info.yml',
      '/t/city.libraries.yml',
      '/wp/style.css',
      '/app/config/application.rb',
      '/s/themes/ananke',
    ]) {
      assert.ok(isSiteConfig(p), p);
    }
    for (const p of ['/s/index.html', '/s/img/logo.png', '/s/_data/menu.yml', '/s/css/site.css', '/s/themes/ananke/layouts/index.html'])
      assert.ok(!isSiteConfig(p), p);
  });

  for (const mode of ['native', 'polling'] as const) {
    it(`the daemon (${mode} watching) follows an edited Jekyll baseurl without a restart`, async () => {
      const dir = tempDir('doublon-site-config-');
      forgetSites();
      const root = path.join(dir.path, 'site');
      const { page, underBase, literal } = await writeJekyllSite(root, '/blog');
      const service = DoublonService.open(loadConfig({ cwd: root, roots: ['.'], indexDir: path.join(dir.path, 'index') }), {
        usePolling: mode === 'polling',
      });
      try {
        await service.start();
        await service.settled();
        const targetOf = () => service.refs.getSource(page)?.references[0]?.target;
        assert.equal(targetOf(), underBase);
        assert.deepEqual(
          service.referencesTo(underBase).map((r) => r.source),
          [page],
        );

        fs.writeFileSync(path.join(root, '_config.yml'), 'title: City\nbaseurl: ""\n');
        await waitFor('the reference to follow the new baseurl', async () => {
          await service.settled();
          return targetOf() === literal;
        });
        assert.deepEqual(service.referencesTo(underBase), []);
        assert.deepEqual(
          service.referencesTo(literal).map((r) => r.source),
          [page],
        );
        // The page itself did not change: only its site's rules did.
        assert.equal(fs.readFileSync(page, 'utf8').includes('/blog/img/logo.png'), true);
      } finally {
        await service.stop();
        dir.cleanup();
      }
    });
  }

  it('re-reads only the sources whose site rules changed', async () => {
    const dir = tempDir('doublon-site-config-');
    forgetSites();
    const store = ReferenceStore.open(path.join(dir.path, 'index'));
    try {
      const root = path.join(dir.path, 'site');
      const { page, underBase, literal } = await writeJekyllSite(root, '/blog');
      const options = { resolve: { roots: [dir.path], webRoots: [] }, isImage: (p: string) => p.endsWith('.png') && fs.existsSync(p) };
      const st = fs.statSync(page);
      await indexSource(store, { path: page, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }, options);
      assert.equal(store.getSource(page)?.references[0]?.target, underBase);

      // A configuration edit that changes no rule (the title): nothing is read again.
      fs.writeFileSync(path.join(root, '_config.yml'), 'title: Town\nbaseurl: /blog\n');
      assert.deepEqual(await applySiteChanges(store, [path.join(root, '_config.yml')], options), []);

      fs.writeFileSync(path.join(root, '_config.yml'), 'title: Town\n');
      assert.deepEqual((await applySiteChanges(store, [path.join(root, '_config.yml')], options)).sort(), [literal, underBase].sort());
      assert.equal(store.getSource(page)?.references[0]?.target, literal);

      // The configuration removed: the folder is no generator's site any more, and the page's path resolves as plain HTML.
      fs.rmSync(path.join(root, '_config.yml'));
      await applySiteChanges(store, [path.join(root, '_config.yml')], options);
      assert.equal(store.getSource(page)?.references.length, 0, 'no web root is configured: a root-relative path names nothing');
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});
