/**
 * The template layer of the reference finder on small cases of each language: exact ranges, tags that
 * do not hide the HTML around them, strings that contain delimiters, comments, and unresolved mentions.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  extractReferences,
  forgetSites,
  literalLessMayName,
  mentionMayName,
  resolveReference,
  rewriteReference,
  type ExtractResult,
} from '../../daemon/refs';
import { lexTemplate } from '../../daemon/refs/template-lexer';

describe('refs: templates (Liquid, Nunjucks, Twig, Go, Handlebars, ERB, PHP)', () => {
  let dir: string;
  const write = (rel: string, text: string | Buffer) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
  const extract = (rel: string, text: string): ExtractResult & { file: string } => {
    const file = write(rel, text);
    return { ...extractReferences(file, text, { resolve: { roots: [dir], webRoots: [] } }), file };
  };
  /** "kind text@line:character" of each reference, the position computed from the text. */
  const shown = (r: ExtractResult, text: string) =>
    r.references.map((x) => {
      const before = text.slice(0, x.start);
      assert.equal(text.slice(x.start, x.end), x.text);
      assert.deepEqual(x.range.start, { line: before.split('\n').length - 1, character: x.start - before.lastIndexOf('\n') - 1 });
      return `${x.kind} ${x.text}`;
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-templates-'));
    forgetSites();
    for (const img of ['img/a.png', 'img/b.png', 'img/c.png', 'app/assets/images/logo.png', 'public/img/p.png'])
      write(img, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Liquid in an HTML page does not hide the plain references around it', () => {
    const text = `{% assign t = "x" %}<img src="img/a.png" alt="{{ t }}">\n{% if t %}<img src="img/b.png">{% endif %}<p>{{ "img/c.png" }}</p>\n`;
    const r = extract('page.liquid', text);
    assert.deepEqual(shown(r, text), ['src img/a.png', 'src img/b.png', 'string img/c.png']);
  });

  it('a "}}" or "?>" inside a string does not close the tag; comments are not read', () => {
    const text = `{{ "a }} b" }}<img src="img/a.png">{# <img src="img/b.png"> #}\n`;
    assert.deepEqual(shown(extract('x.njk', text), text), ['src img/a.png']);
    const php = `<?php $s = "a ?> b"; $i = 'img/b.png'; // ?> ends the comment\n?><img src="img/a.png"><?php /* <img src="img/c.png"> */ ?>`;
    const tags = lexTemplate(php, 'php');
    assert.equal(tags.length, 2);
    assert.equal(tags[0].end, php.indexOf('// ?>') + 5, 'as in PHP, "?>" ends a // comment and the block');
    assert.deepEqual(shown(extract('x.php', php), php), ['string img/b.png', 'src img/a.png']);
    const go = `{{/* <img src="img/b.png"> */}}<img src="{{ "img/a.png" | relURL }}">`;
    assert.deepEqual(
      lexTemplate(go, 'go').map((t) => t.type),
      ['comment', 'output'],
    );
    const hbs = `{{!-- <img src="img/b.png"> --}}<img src="img/a.png">`;
    assert.deepEqual(shown(extract('x.hbs', hbs), hbs), ['src img/a.png']);
  });

  it('an unclosed PHP block runs to the end of the file, and a file with only PHP is read', () => {
    const text = `<?php\nfunction logo() {\n  return get_theme_file_uri( 'img/a.png' );\n}\n`;
    write('style.css', '/*\nTheme Name: T\n*/\n');
    const r = extract('functions.php', text);
    assert.deepEqual(shown(r, text), ['template-url img/a.png']);
    assert.equal(resolveReference(r.file, 'img/a.png', { roots: [dir], webRoots: [], kind: 'template-url' }), path.join(dir, 'img/a.png'));
  });

  it('ERB asset helpers resolve against app/assets/images and public/ of a Rails app', () => {
    write('config/application.rb', 'module App; end\n');
    const text = `<%= image_tag "logo.png", alt: "Logo" %>\n<img src="/img/p.png">\n<%# image_tag "old.png" %>\n`;
    const r = extract('app/views/layouts/application.html.erb', text);
    assert.deepEqual(shown(r, text), ['template-asset logo.png', 'src /img/p.png']);
    const [helper, plain] = r.references;
    assert.equal(
      resolveReference(r.file, helper.value, { roots: [dir], webRoots: [], kind: helper.kind }),
      path.join(dir, 'app/assets/images/logo.png'),
    );
    assert.equal(
      resolveReference(r.file, plain.value, { roots: [dir], webRoots: [], kind: plain.kind }),
      path.join(dir, 'public/img/p.png'),
    );
    assert.equal(
      rewriteReference(r.file, helper.text, path.join(dir, 'app/assets/images/logo.png'), {
        roots: [dir],
        webRoots: [],
        kind: helper.kind,
      }),
      'logo.png',
    );
  });

  it('an ERB asset helper given a value, not a literal, is a mention that keeps every image of the Rails app', () => {
    write('config/application.rb', 'module App; end\n');
    const text = `<%= image_tag "logo.png" %>\n<%= image_tag @user.avatar, alt: "" %>\n<%= image_url(photo.path) %>\n`;
    const r = extract('app/views/users/show.html.erb', text);
    assert.deepEqual(shown(r, text), ['template-asset logo.png']);
    assert.deepEqual(
      r.mentions.map((m) => [m.text, m.range.start.line, m.pattern]),
      [
        ['<%= image_tag @user.avatar, alt: "" %>', 1, undefined],
        ['<%= image_url(photo.path) %>', 2, undefined],
      ],
    );
    assert.equal(literalLessMayName(r.file, path.join(dir, 'app/assets/images/any.png')), true);
  });

  it('Jekyll: {{ site.baseurl }} prefixes, relative_url, and the baseurl written literally, rewritten in the same style', () => {
    write('_config.yml', 'baseurl: "/city"\n');
    const text = `<img src="{{ site.baseurl }}/img/a.png">\n<img src="{{ '/img/b.png' | relative_url }}">\n<img src="/city/img/c.png">\n`;
    const r = extract('_layouts/default.html', text);
    assert.deepEqual(shown(r, text), ['template-url /img/a.png', 'template-url /img/b.png', 'src /city/img/c.png']);
    const opts = { roots: [dir], webRoots: [] };
    for (const ref of r.references) assert.ok(resolveReference(r.file, ref.value, { ...opts, kind: ref.kind }), ref.text);
    assert.equal(rewriteReference(r.file, '/img/a.png', path.join(dir, 'img/b.png'), { ...opts, kind: 'template-url' }), '/img/b.png');
    assert.equal(rewriteReference(r.file, '/city/img/c.png', path.join(dir, 'img/b.png'), { ...opts, kind: 'src' }), '/city/img/b.png');
  });

  it('an expression known only at build time is an unresolved mention with its range and pattern, and may name what matches', () => {
    const text = `<img src="/img/{{ name }}.png">\n{% set i = "img/" ~ kind ~ ".png" %}\n<img src="{{ user.avatar }}">\n<a href="{{ page.url }}">x</a>\n`;
    const r = extract('x.twig', text);
    assert.deepEqual(r.references, []);
    assert.deepEqual(
      r.mentions.map((m) => [m.text, m.range.start.line, m.range.start.character, m.pattern]),
      [
        ['/img/{{ name }}.png', 0, 10, '/img/*.png'],
        ['"img/" ~ kind ~ ".png"', 1, 11, 'img/*.png'],
        ['{{ user.avatar }}', 2, 10, undefined],
      ],
    );
    assert.ok(mentionMayName(r.mentions[0], path.join(dir, 'img/a.png')));
    assert.ok(!mentionMayName(r.mentions[0], path.join(dir, 'other/a.png')), 'another folder');
    assert.ok(!mentionMayName(r.mentions[0], path.join(dir, 'img/a.jpg')), 'another extension');
    assert.ok(!mentionMayName(r.mentions[2], path.join(dir, 'img/a.png')), 'no pattern: names nothing in particular');
  });

  it('Hugo: shortcodes, relURL, resources.Get, and data files resolve through static/, the theme and assets/', () => {
    write('hugo.toml', 'theme = "t"\n');
    write('themes/t/static/img/logo.png', Buffer.from([1]));
    write('static/img/s.png', Buffer.from([1]));
    write('assets/img/banner.png', Buffer.from([1]));
    const md = `---\nimage: img/s.png\n---\n{{< figure src="/img/logo.png" >}}\n{{% note %}}![x](/img/s.png){{% /note %}}\n`;
    const r = extract('content/_index.md', md);
    assert.deepEqual(shown(r, md), ['manifest img/s.png', 'string /img/logo.png', 'markdown-image /img/s.png']);
    const html = `<link rel="icon" href="{{ "img/logo.png" | relURL }}">{{ with resources.Get "img/banner.png" }}{{ end }}`;
    const h = extract('layouts/_default/baseof.html', html);
    assert.deepEqual(shown(h, html), ['template-url img/logo.png', 'template-asset img/banner.png']);
    const targets = [
      ...r.references.map((x) => resolveReference(r.file, x.value, { roots: [dir], webRoots: [], kind: x.kind })),
      ...h.references.map((x) => resolveReference(h.file, x.value, { roots: [dir], webRoots: [], kind: x.kind })),
    ];
    assert.deepEqual(
      targets.map((t) => t && path.relative(dir, t)),
      ['static/img/s.png', 'themes/t/static/img/logo.png', 'static/img/s.png', 'themes/t/static/img/logo.png', 'assets/img/banner.png'],
    );
  });
});
