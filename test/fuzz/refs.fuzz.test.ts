/**
 * Property-based fuzzing of every reference parser (issue 10): for each language registered in the extractor
 * table (templates added later are fuzzed too), arbitrary text — random characters mixed with the tokens
 * that steer each parser into its interesting states — never throws out of the extractor, never ends in an
 * "internal error", and every reference returned lies inside the text, its `text` is exactly the text at its
 * offsets and its LSP range is the position of those offsets. Fixed seed and run count: CI is deterministic.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { extractReferences, languageOf, registeredExtensions } from '../../daemon/refs';

const SEED = 20261130;
const RUNS = 150;

/** Fragments of every supported syntax: tags, attributes, url(), imports, Markdown, YAML, front matter, templates. */
const TOKENS = [
  '<img src="',
  '<img srcset="',
  ' 1x, ',
  ' 2x',
  "<source srcset='",
  '<picture>',
  '</picture>',
  '<a href="',
  '<link rel="icon" href="',
  '<meta property="og:image" content="',
  '<video poster="',
  '<script>',
  '</script>',
  '<style>',
  '</style>',
  '<template>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '"',
  "'",
  '`',
  '>',
  '/>',
  '<',
  '=',
  '&amp;',
  '&#x2F;',
  '&quot;',
  'url(',
  ')',
  'image-set(',
  '@import ',
  ';',
  '{',
  '}',
  '/*',
  '*/',
  '//',
  '$var: ',
  '@var: ',
  '#{',
  '~"',
  'import x from ',
  'import(',
  'require(',
  'new URL(',
  ', import.meta.url)',
  '${',
  'export default ',
  '\\',
  '\\u0041',
  '\\\n',
  '![alt](',
  '[ref]: ',
  '](',
  '[',
  ']',
  '(',
  '<https://',
  '```\n',
  '    ',
  '> ',
  '* ',
  '---\n',
  '...\n',
  'icons:\n',
  '  - src: ',
  'image: ',
  '"src": ',
  '"icons": [',
  '],',
  ':',
  ',',
  '- ',
  '? ',
  '&a ',
  '*a',
  '|\n',
  '#',
  '{{ ',
  ' }}',
  '{% ',
  ' %}',
  '<%= ',
  ' %>',
  '{#',
  '#}',
  '{@html ',
  '{#each ',
  '{/each}',
  'v-bind:src="',
  ':src="',
  'client:load ',
  'img/a.png',
  '../img/b.jpg',
  '/static/c.svg',
  'd.webp?v=2#x',
  'e%20f.gif',
  'https://cdn.example/x.png',
  'data:image/png;base64,AAAA',
  '\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '\u2028',
  '\uFEFF',
  '\u00e9',
  '\ud83d\ude00',
  '\ud800',
  '\u0000',
  // Whole references, so the range property is exercised (noise around them still breaks some).
  '<img src="img/a.png">',
  '<img srcset="a.png 1x, b@2x.png 2x" src=\'c.png\'>',
  '<div style="background: url(img/d.png)">',
  'a { background: url("../img/b.jpg"); }',
  '.x { background-image: image-set("a.png" 1x, \'b.png\' 2x); }',
  'import logo from "./img/a.png";\n',
  "const i = require('../img/b.jpg');\n",
  'const s = "img/c.svg";\n',
  'new URL("./a.png", import.meta.url);\n',
  '![alt](img/a.png "title")\n',
  '[logo]: ./img/b.png\n',
  '{"icons": [{"src": "img/a.png"}]}',
  'image: img/a.png\n',
  '  - src: "/static/c.svg"\n',
  '<template><img :src="\'img/a.png\'" src="img/b.png"></template>',
  '---\nimport img from "./a.png";\n---\n<img src="a.png">',
];

const sourceText = fc
  .array(
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TOKENS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }) }),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/** The LSP position of a UTF-16 offset, computed here independently (\n, \r\n and \r end a line). */
function positionOf(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    } else if (c === 13) {
      // \r\n: the line ends after the \n
    }
  }
  return { line, character: offset - lineStart };
}

/** One extension per language: the table maps many extensions to one parser. */
function languagesToFuzz(): Array<{ language: string; extension: string }> {
  const seen = new Map<string, string>();
  for (const extension of registeredExtensions()) {
    const language = languageOf(`file.${extension}`);
    if (language !== undefined && !seen.has(language)) seen.set(language, extension);
  }
  return [...seen].map(([language, extension]) => ({ language, extension }));
}

describe('fuzz: reference extractors (fast-check)', function () {
  this.timeout(120_000);

  const languages = languagesToFuzz();
  it('covers every registered language', () => {
    assert.ok(languages.length >= 10, `languages: ${languages.map((l) => l.language).join(', ')}`);
  });

  /** References returned per language over the runs: the properties are not vacuous. */
  const found = new Map<string, number>();

  for (const { language, extension } of languages) {
    it(`${language} (.${extension}): never throws, every range is inside the text and is what the reference says`, () => {
      const file = `/fuzz/site/page.${extension}`;
      fc.assert(
        fc.property(sourceText, (text) => {
          const result = extractReferences(file, text, { isImage: () => true, resolve: { roots: ['/fuzz'], webRoots: ['/fuzz/site'] } });
          found.set(language, (found.get(language) ?? 0) + result.references.length);
          const internal = result.errors.filter((e) => /internal error/i.test(e));
          assert.deepEqual(internal, [], 'no parser failure escapes as an internal error');
          for (const ref of result.references) {
            assert.ok(
              Number.isInteger(ref.start) && Number.isInteger(ref.end) && ref.start >= 0 && ref.start < ref.end && ref.end <= text.length,
              `range [${ref.start}, ${ref.end}) in a text of ${text.length}`,
            );
            assert.equal(text.slice(ref.start, ref.end), ref.text);
            assert.deepEqual(ref.range, { start: positionOf(text, ref.start), end: positionOf(text, ref.end) });
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  }

  it('found references in most languages (the range properties were exercised)', () => {
    const productive = [...found].filter(([, n]) => n > 0).map(([language]) => language);
    assert.ok(productive.length >= languages.length - 2, `references found in: ${[...found].map(([l, n]) => `${l} ${n}`).join(', ')}`);
  });
});
