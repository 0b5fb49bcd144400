import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { extractReferences, languageOf, type RawReference } from '../../daemon/refs';
import { IMAGES, makeSite, type Site } from './fixture';

/** line/character computed independently of the implementation (only \n in the fixture). */
function lc(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

const EXPECTED: Record<string, string[]> = {
  'src/index.html': [
    'href /favicon.ico',
    'href /icons/192.png',
    'href /img/hero.jpg',
    'meta /og.png',
    'css-url img/bg.png',
    'src img/a%20b.png?v=2#top',
    'src /img/hero.jpg',
    'srcset /img/hero.jpg',
    'srcset /img/hero@2x.jpg',
    'srcset img/photo.avif',
    'srcset img/photo.webp',
    'src ./img/photo.jpg',
    'poster img/card.svg',
    'href img/pattern.gif',
    'css-url img/icon.svg',
    'string img/bg@2x.png',
  ],
  'src/styles/main.css': [
    'css-url ../img/icon.svg',
    'image-set ../img/bg.png',
    'image-set ../img/bg@2x.png',
    'image-set ../img/bg.png',
    'image-set ../img/bg@2x.png',
    'css-url /img/logo.png?v=3',
  ],
  'src/styles/theme.scss': ['css-url ../img/card.svg', 'css-url ../img/pattern.gif'],
  'src/app.js': [
    'import ../public/img/logo.png',
    'import ./img/photo.webp',
    'require ./img/icon.svg',
    'new-url ./img/bg.png',
    'string img/card.svg',
    'string img/pattern.gif',
  ],
  'src/components/Card.tsx': [
    'import ../img/bg.png',
    'src ../img/photo.jpg',
    'srcset ../img/photo.jpg',
    'srcset ../img/photo.webp',
    'src /img/logo.png',
  ],
  'docs/guide.md': [
    'manifest shots/step1.png',
    'markdown-image shots/step1.png',
    'href shots/step2.png',
    'markdown-definition ../shared/logo.png',
    'src shots/step2.png',
  ],
  'src/App.vue': ['src ./img/photo.jpg', 'require ./img/card.svg', 'import ../public/img/hero.jpg', 'css-url ./img/pattern.gif'],
  'src/Widget.svelte': ['import ./img/icon.svg', 'src ./img/bg.png', 'css-url ./img/pattern.gif'],
  'public/manifest.webmanifest': ['manifest icons/192.png', 'manifest /icons/512.png'],
  '_config.yml': ['manifest /img/logo.png', 'manifest /favicon.ico'],
};

describe('refs: extractReferences on a small site', () => {
  let site: Site;
  let isImage: (p: string) => boolean;
  const extract = (rel: string) =>
    extractReferences(site.file(rel), site.text(rel), { isImage, resolve: { roots: [site.dir], webRoots: [site.file('public')] } });

  before(() => {
    site = makeSite();
    const set = new Set(IMAGES.map((i) => site.file(i)));
    isImage = (p) => set.has(path.resolve(p));
  });
  after(() => site.cleanup());

  for (const [rel, expected] of Object.entries(EXPECTED)) {
    it(`${rel}: finds exactly the expected references, at exact ranges`, () => {
      const text = site.text(rel);
      const r = extract(rel);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(
        r.references.map((x) => `${x.kind} ${x.text}`),
        expected,
      );
      for (const ref of r.references) {
        assert.equal(text.slice(ref.start, ref.end), ref.text);
        assert.deepEqual(ref.range.start, lc(text, ref.start), `start of ${ref.text}`);
        assert.deepEqual(ref.range.end, lc(text, ref.end), `end of ${ref.text}`);
      }
    });
  }

  it('gives LSP line/character (hand-counted spots)', () => {
    const html = extract('src/index.html').references.find((x) => x.text === 'img/a%20b.png?v=2#top') as RawReference;
    assert.deepEqual(html.range, { start: { line: 17, character: 12 }, end: { line: 17, character: 33 } });
    assert.equal(html.value, 'img/a%20b.png?v=2#top');
    const md = extract('docs/guide.md').references.find((x) => x.kind === 'markdown-image') as RawReference;
    assert.deepEqual(md.range.start, { line: 6, character: 18 });
  });

  it('never reports comments, external URLs, data: URIs, another host, placeholders or prose', () => {
    for (const rel of Object.keys(EXPECTED)) {
      for (const ref of extract(rel).references) {
        assert.doesNotMatch(
          ref.text,
          /commented|nope|old\.png|indented|code\.png|missing|example\.org|^data:|\{|\$|^\/\/|mailto/,
          `${rel}: ${ref.text}`,
        );
      }
    }
  });

  it('srcset candidates and their <img src> share one variant group; <picture> sources share another', () => {
    const refs = extract('src/index.html').references;
    const g = (t: string, kind?: string) => refs.find((x) => x.text === t && (!kind || x.kind === kind))?.variantGroup;
    const hero = g('/img/hero@2x.jpg');
    assert.ok(hero !== undefined);
    assert.equal(g('/img/hero.jpg', 'srcset'), hero);
    assert.equal(g('/img/hero.jpg', 'src'), hero);
    const pic = g('img/photo.avif');
    assert.ok(pic !== undefined && pic !== hero);
    assert.equal(g('img/photo.webp'), pic);
    assert.equal(g('./img/photo.jpg'), pic);
    assert.equal(g('img/a%20b.png?v=2#top'), undefined, 'a lone <img> is in no group');
    const css = extract('src/styles/main.css').references.filter((x) => x.kind === 'image-set');
    assert.equal(new Set(css.map((x) => x.variantGroup)).size, 2, 'two image-set() calls, two groups');
    assert.ok(css.every((x) => x.variantGroup !== undefined));
    const tsx = extract('src/components/Card.tsx').references.filter((x) => x.text.includes('photo'));
    assert.equal(tsx.length, 3);
    assert.equal(new Set(tsx.map((x) => x.variantGroup)).size, 1);
    assert.ok(tsx[0].variantGroup !== undefined);
  });

  it('string literals count only when they resolve to an image', () => {
    const r = extractReferences('/nowhere/a.ts', `const a = 'img/x.png'; const b = "y.png";`, { isImage: (p) => p === '/nowhere/y.png' });
    assert.deepEqual(
      r.references.map((x) => x.text),
      ['y.png'],
    );
  });

  it('unescapes host-language escapes into value, keeps text as written', () => {
    const r = extractReferences('/x/a.html', '<img src="a&amp;b.png"> <div style="background:url(c\\28 1\\29.png)"></div>', {});
    assert.deepEqual(
      r.references.map((x) => [x.text, x.value]),
      [
        ['a&amp;b.png', 'a&b.png'],
        ['c\\28 1\\29.png', 'c(1).png'],
      ],
    );
    const j = extractReferences('/x/a.js', 'import a from "./\\u0061.png";', {});
    assert.deepEqual(
      j.references.map((x) => [x.text, x.value]),
      [['./\\u0061.png', './a.png']],
    );
  });

  it('handles CRLF line ends and non-BMP characters in offsets', () => {
    const text = '<p>😀</p>\r\n<img src="a.png">\r\n';
    const [ref] = extractReferences('/x/a.html', text).references;
    assert.equal(text.slice(ref.start, ref.end), 'a.png');
    assert.deepEqual(ref.range.start, { line: 1, character: 10 });
  });

  it('languageOf maps extensions', () => {
    assert.equal(languageOf('a/b.HTM'), 'html');
    assert.equal(languageOf('x.module.scss'), 'scss');
    assert.equal(languageOf('m.webmanifest'), 'json');
    assert.equal(languageOf('x.d.ts'), undefined);
    assert.equal(languageOf('README'), undefined);
    assert.equal(languageOf('p.astro'), 'astro');
  });

  it('reads Astro front matter as TypeScript and the rest as HTML', () => {
    const text = `---\nimport hero from '../img/hero.png';\n// import x from './x.png';\n---\n<img src="/img/a.png"><img src={hero.src}>\n`;
    const r = extractReferences('/s/p.astro', text);
    assert.deepEqual(
      r.references.map((x) => `${x.kind} ${x.text}`),
      ['import ../img/hero.png', 'src /img/a.png'],
    );
  });
});
