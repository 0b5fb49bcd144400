/**
 * The HTML reader drives htmlparser2's Tokenizer directly (daemon/refs/html-events.ts) instead of its Parser.
 * It must find exactly what the Parser-based reader found (test/refs/legacy-html.ts): the same candidates
 * (ranges, values, kinds, strengths, variant groups) and the same errors, on the example sites, the refs
 * fixtures, and a generated corpus of templates mixing the markup the Parser's stack rules are about
 * (implied end tags, SVG and MathML, nested forms, </p> and </br>, raw-text elements, comments, CDATA).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { languageOf } from '../../daemon/refs';
import { extractHtmlText, type HtmlFlavor } from '../../daemon/refs/html';
import { fastForwardInstalled } from '../../daemon/refs/html-events';
import { dialectOf, readTemplate, type TemplateLayer } from '../../daemon/refs/template-refs';
import { siteOf } from '../../daemon/refs/sites';
import type { ExtractContext } from '../../daemon/refs/types';
import { rng } from '../fixtures/keys';
import { EXAMPLES, filesUnder } from '../templates/files';
import { SOURCES } from './fixture';
import { extractHtmlText as legacyExtractHtmlText } from './legacy-html';

type Reader = (ctx: ExtractContext, text: string, base: number, flavor: HtmlFlavor) => void;

function readWith(reader: Reader, filePath: string, text: string, flavor: HtmlFlavor) {
  let group = 0;
  const ctx: ExtractContext = {
    filePath,
    candidates: [],
    errors: [],
    nextGroup: () => ++group,
    line: (offset) => text.slice(0, offset).split('\n').length,
  };
  reader(ctx, text, 0, flavor);
  return { candidates: ctx.candidates, errors: ctx.errors };
}

/** Both readers on one text; returns how many candidates they agreed on. */
function sameAsParser(filePath: string, text: string, flavor: HtmlFlavor): number {
  const now = readWith(extractHtmlText, filePath, text, flavor);
  const before = readWith(legacyExtractHtmlText, filePath, text, flavor);
  assert.deepEqual(now, before, `${filePath} (${flavor}) read differently from htmlparser2's Parser`);
  return before.candidates.length;
}

const FLAVORS: Partial<Record<string, HtmlFlavor>> = { html: 'html', vue: 'vue', svelte: 'svelte', astro: 'astro' };

/** The host text the HTML reader gets for a file: its template tags blanked, as extractReferences does. */
function hostText(filePath: string, text: string): string {
  const dialect = dialectOf(filePath, siteOf(filePath), true);
  const layer: TemplateLayer | undefined = dialect ? readTemplate(text, dialect) : undefined;
  return layer?.blanked ?? text;
}

// Pieces of markup the Parser's rules are about, and template lines of each dialect around references.
const PIECES = [
  '<p>one<p>two<div>three</div>',
  '<ul><li>a<li>b</ul>',
  '<table><tr><td><img src="img/a.png"><td>x</tr></table>',
  '<svg><image href="img/sprite.svg"/><feImage href="img/f.png"/><foreignObject><img src="img/in.png"></foreignObject></svg>',
  '<math><mi>x</mi><mtext><img src="img/m.png"></mtext></math>',
  '<svg><![CDATA[ <img src="img/cdata.png"> ]]></svg>',
  '<![CDATA[ <img src="img/c2.png"> ]]>',
  '<form><form style="background:url(img/nested.png)"><img src="img/after.png"></form>',
  '</p></br><image src="img/image.png">',
  '<picture><source srcset="img/a.webp 1x, img/a@2x.webp 2x"><img src="img/a.jpg"></picture>',
  '<picture><source srcset="img/b.webp"><img src="img/b.jpg">',
  '<script>var s = "<img src=\'img/js.png\'>"; const u = "img/x.png";</script>',
  '<script type="text/x-template"><img src="img/tpl.png"></script>',
  '<script type="application/ld+json">{"image": "img/ld.png"}</script>',
  '<style>.a { background: url(img/style.png) } </style>',
  '<!-- <img src="img/commented.png"> -->',
  '<title>a <img src="img/title.png"></title><textarea><img src="img/ta.png"></textarea>',
  '<a href="img/link.png" HREF="img/upper.png">x</a><IMG SRC="img/upper.PNG" DATA-SRC="img/lazy.png">',
  '<div style="background-image: url(\'img/bg.png\')" data-src=img/unquoted.png class=x></div>',
  '<img srcset="img/s1.png 1x,img/s2.png 2x" src="img/s.png" alt="a &amp; b" title=\'q\'>',
  '<img src="img/amp&amp;.png"><img src="img/ent&#x41;.png">',
  '<link rel="icon" href="/favicon.ico"><link rel="apple-touch-icon" href="/touch.png"><meta property="og:image" content="/og.png">',
  '<video poster="img/poster.jpg"><source src="img/v.mp4"></video><input type="image" src="img/btn.png"><object data="img/o.svg"></object>',
  '<img src="img/a.png\n<div>runs on">',
  '<div :src="require(\'./img/bound.png\')" v-bind:poster="\'img/p.png\'"><Img Src="img/case.png"/></div>',
  '<br/><hr/><frame src="img/frame.png"><basefont><keygen>',
  '<h1>a<h2>b</h1><dl><dt>x<dd>y</dl><select><option>a<optgroup><option>b</select>',
  '<!doctype html><?xml version="1.0"?><! bogus ><img src = "img/spaced.png" >',
  '<body><head><link href="img/l.png"></head>',
  '<span>text < not a tag</span><a/><b/>',
  '<img src="{{ site.baseurl }}/img/t.png" alt="{{ page.title }}">{% if x %}<img src="img/if.png">{% endif %}',
  '<img src="<?php echo get_template_directory_uri(); ?>/img/wp.png"><?php $a = "img/php.png"; ?>',
  '<%= image_tag "img/erb.png" %><img src="<%= asset_path("img/erb2.png") %>">',
  '{{#each items}}<img src="{{this.src}}">{{/each}}<img src="{{asset "img/hbs.png"}}">',
  '<div class="unclosed"><span>',
  '<svg><desc><img src="img/desc.png"></desc><clipPath><image xlink:href="img/xl.png"/></clipPath></svg>',
];

function generatedCorpus(): { file: string; text: string }[] {
  const r = rng(11_2026);
  const out: { file: string; text: string }[] = [];
  const exts = ['html', 'liquid', 'njk', 'twig', 'php', 'erb', 'hbs', 'vue', 'svelte'];
  for (let n = 0; n < 120; n++) {
    const ext = exts[n % exts.length];
    const parts: string[] = [];
    const count = 5 + Math.floor(r() * 60);
    for (let k = 0; k < count; k++) {
      const piece = PIECES[Math.floor(r() * PIECES.length)];
      // Sometimes cut a piece short: unclosed tags, quotes and comments at the end of a file.
      parts.push(k === count - 1 && r() < 0.3 ? piece.slice(0, Math.floor(r() * piece.length)) : piece);
    }
    out.push({ file: path.join(EXAMPLES, 'generated', `t${n}.${ext}`), text: parts.join(r() < 0.5 ? '\n' : '') });
  }
  return out;
}

describe('refs: HTML events from the Tokenizer read what htmlparser2’s Parser read', () => {
  it('uses the indexOf fast-forward (an htmlparser2 upgrade that drops it is noticed here)', () => {
    assert.equal(fastForwardInstalled, true);
  });

  it('on every HTML-like file of the example sites and of the refs fixtures', () => {
    let files = 0;
    let candidates = 0;
    for (const rel of filesUnder(EXAMPLES)) {
      const file = path.join(EXAMPLES, rel);
      const flavor = FLAVORS[languageOf(file) ?? ''];
      if (!flavor) continue;
      candidates += sameAsParser(file, hostText(file, fs.readFileSync(file, 'utf8')), flavor);
      files++;
    }
    for (const [rel, text] of Object.entries(SOURCES)) {
      const flavor = FLAVORS[languageOf(rel) ?? ''];
      if (!flavor) continue;
      candidates += sameAsParser(rel, text, flavor);
      files++;
    }
    assert.ok(files >= 20, `only ${files} files read`);
    assert.ok(candidates >= 50, `only ${candidates} candidates compared`);
  });

  it('on generated templates mixing implied end tags, foreign content, raw text, comments and cut-off ends', () => {
    let candidates = 0;
    let errors = 0;
    for (const { file, text } of generatedCorpus()) {
      const lang = languageOf(file);
      const flavor = FLAVORS[lang ?? ''] ?? 'html';
      const host = hostText(file, text);
      candidates += sameAsParser(file, host, flavor);
      errors += readWith(extractHtmlText, file, host, flavor).errors.length;
      // Every flavor on the same text: the attribute-case and self-closing rules differ between them.
      for (const other of ['html', 'vue', 'svelte', 'astro'] as const) if (other !== flavor) sameAsParser(file, host, other);
    }
    assert.ok(candidates >= 1000, `only ${candidates} candidates compared`);
    assert.ok(errors > 0, 'the corpus should contain malformed markup');
  });
});
