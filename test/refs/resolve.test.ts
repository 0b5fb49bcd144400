import * as assert from 'node:assert/strict';
import { resolveReference, rewriteReference, type ResolveOptions } from '../../daemon/refs';
import { makeSite, type Site } from './fixture';

describe('refs: resolveReference and rewriteReference', () => {
  let site: Site;
  let opts: ResolveOptions;
  let html: string;
  before(() => {
    site = makeSite();
    opts = { roots: [site.dir], webRoots: [site.file('public')] };
    html = site.file('src/index.html');
  });
  after(() => site.cleanup());

  it('resolves relative, ./ and ../ paths against the file', () => {
    assert.equal(resolveReference(html, 'img/photo.jpg', opts), site.file('src/img/photo.jpg'));
    assert.equal(resolveReference(html, './img/photo.jpg', opts), site.file('src/img/photo.jpg'));
    assert.equal(resolveReference(site.file('src/styles/main.css'), '../img/bg.png', opts), site.file('src/img/bg.png'));
  });

  it('resolves root-relative paths through the web roots, first existing wins', () => {
    assert.equal(resolveReference(html, '/img/hero.jpg', opts), site.file('public/img/hero.jpg'));
    const two = { ...opts, webRoots: [site.file('src'), site.file('public')] };
    assert.equal(resolveReference(html, '/img/hero.jpg', two), site.file('public/img/hero.jpg'));
    assert.equal(resolveReference(html, '/img/bg.png', two), site.file('src/img/bg.png'));
  });

  it('strips ?query and #hash and decodes %20 and UTF-8 escapes', () => {
    assert.equal(resolveReference(html, 'img/bg.png?v=2#frag', opts), site.file('src/img/bg.png'));
    assert.equal(resolveReference(html, 'img/bg.png#x?y', opts), site.file('src/img/bg.png'));
    assert.equal(resolveReference(html, 'img/a%20b.png?v=2#top', opts), site.file('src/img/a b.png'));
    assert.equal(resolveReference(html, 'img/caf%C3%A9.png', opts), site.file('src/img/café.png'));
  });

  it('gives undefined for missing, outside-the-roots, external, data: and package targets', () => {
    assert.equal(resolveReference(html, 'img/missing.png', opts), undefined);
    assert.equal(resolveReference(html, '/img/missing.png', opts), undefined);
    const narrow = { ...opts, roots: [site.file('src')] };
    assert.equal(resolveReference(html, '../public/img/logo.png', narrow), undefined);
    assert.equal(resolveReference(html, '../public/img/logo.png', opts), site.file('public/img/logo.png'));
    assert.equal(resolveReference(html, 'https://example.org/img/logo.png', opts), undefined);
    assert.equal(resolveReference(html, '//example.org/img/logo.png', opts), undefined);
    assert.equal(resolveReference(html, 'data:image/png;base64,AAAA', opts), undefined);
    assert.equal(resolveReference(html, '#top', opts), undefined);
    assert.equal(resolveReference(html, 'img/bg.png', { ...opts, kind: 'import' }), undefined, 'bare specifier is a package');
    assert.equal(resolveReference(html, './img/bg.png', { ...opts, kind: 'import' }), site.file('src/img/bg.png'));
  });

  it('resolves aliases', () => {
    const a = { ...opts, aliases: { '@/': site.file('src') } };
    assert.equal(resolveReference(site.file('src/app.js'), '@/img/bg.png', a), site.file('src/img/bg.png'));
  });

  it('rewrites relative paths in the same style', () => {
    assert.equal(rewriteReference(html, 'img/photo.jpg', site.file('shared/logo.png'), opts), '../shared/logo.png');
    assert.equal(rewriteReference(html, 'img/photo.jpg', site.file('src/img/bg.png'), opts), 'img/bg.png');
    assert.equal(rewriteReference(html, './img/photo.jpg', site.file('src/img/bg.png'), opts), './img/bg.png');
    assert.equal(rewriteReference(html, './img/photo.jpg', site.file('shared/logo.png'), opts), '../shared/logo.png');
  });

  it('keeps root-relative paths root-relative through the web root, else falls back to relative', () => {
    assert.equal(rewriteReference(html, '/img/hero.jpg', site.file('public/icons/192.png'), opts), '/icons/192.png');
    assert.equal(rewriteReference(html, '/img/hero.jpg', site.file('shared/logo.png'), opts), '../shared/logo.png');
  });

  it('keeps ?query and #hash, and percent-encodes where the author did (and always for spaces)', () => {
    assert.equal(rewriteReference(html, 'img/bg.png?v=2#x', site.file('src/img/bg@2x.png'), opts), 'img/bg@2x.png?v=2#x');
    assert.equal(rewriteReference(html, 'img/a%20b.png', site.file('src/img/café.png'), opts), 'img/caf%C3%A9.png');
    assert.equal(rewriteReference(html, 'img/bg.png', site.file('src/img/café.png'), opts), 'img/café.png');
    assert.equal(rewriteReference(html, 'img/bg.png', site.file('src/img/a b.png'), opts), 'img/a%20b.png');
    assert.equal(rewriteReference(html, 'img/a%20b.png', site.file('src/img/bg@2x.png'), opts), 'img/bg@2x.png', '@ is a pchar');
  });

  it('a rewritten reference resolves to the new target', () => {
    for (const [from, old, target] of [
      ['src/index.html', 'img/a%20b.png?v=1', 'public/img/logo.png'],
      ['src/index.html', '/img/hero.jpg', 'src/img/café.png'],
      ['src/styles/main.css', '../img/bg.png', 'src/img/a b.png'],
    ]) {
      const t = rewriteReference(site.file(from), old, site.file(target), opts);
      assert.equal(resolveReference(site.file(from), t, opts), site.file(target), `${old} → ${t}`);
    }
  });
});
