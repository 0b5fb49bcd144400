/**
 * The example sites built by their real generators (Debian's hugo and jekyll, npm's @11ty/eleventy;
 * installed by .ci/install-apt.sh), before and after `doublon replace --apply --delete`: every
 * image of the built pages resolves both times, duplicates were really removed, and no image a template
 * mentions was deleted. The two theme folders (Drupal, WordPress) have no generator: every reference
 * of the theme must still resolve to a file.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractReferences, forgetSites, languageOf, resolveReference } from '../../daemon/refs';
import { runCli } from '../helpers/cli';
import { EXAMPLE_SITES } from './expected';
import { brokenImages } from './linkcheck';
import { EXAMPLES, filesUnder } from './files';

const ELEVENTY = path.resolve(__dirname, '../../../node_modules/.bin/eleventy');

interface Generator {
  site: string;
  host: string;
  basePath: string;
  build(src: string, out: string): ReturnType<typeof spawnSync>;
}
const GENERATORS: Generator[] = [
  {
    site: 'hugo-site',
    host: 'ville.example.org',
    basePath: '',
    build: (src, out) => spawnSync('hugo', ['--quiet', '-d', out], { cwd: src, encoding: 'utf8', timeout: 120_000 }),
  },
  {
    site: 'jekyll-site',
    host: 'ville.example.org',
    basePath: '/ville',
    build: (src, out) => spawnSync('jekyll', ['build', '--quiet', '-d', out], { cwd: src, encoding: 'utf8', timeout: 120_000 }),
  },
  {
    site: 'eleventy-site',
    host: 'ville.example.org',
    basePath: '',
    build: (src, out) => spawnSync(ELEVENTY, ['--quiet', `--output=${out}`], { cwd: src, encoding: 'utf8', timeout: 120_000 }),
  },
];

function imagesOf(dir: string): string[] {
  return filesUnder(dir).filter((f) => /\.(png|jpe?g|gif|webp|svg)$/i.test(f) && !f.startsWith('.doublon/'));
}

describe('templates: the example sites built by their generators, before and after replace --apply --delete', function () {
  this.timeout(300_000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-generators-'));
    forgetSites();
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const g of GENERATORS) {
    it(`${g.site}: 0 broken images before and after, duplicates removed, mentioned images kept`, async () => {
      const known = EXAMPLE_SITES.find((s) => s.name === g.site)!;
      const src = path.join(tmp, g.site);
      fs.cpSync(path.join(EXAMPLES, g.site), src, { recursive: true });
      const build = (out: string) => {
        const r = g.build(src, out);
        assert.equal(r.error, undefined, `${g.site}: the generator could not run (${r.error?.message}); run .ci/install-apt.sh`);
        assert.equal(r.status, 0, `${g.site}: build failed:\n${String(r.stdout)}\n${String(r.stderr)}`);
        return brokenImages(out, g.host, g.basePath);
      };
      const before = build(path.join(tmp, 'before'));
      assert.deepEqual(before.broken, []);
      assert.ok(before.images >= 8, `only ${before.images} images checked`);

      const imagesBefore = imagesOf(src);
      const apply = await runCli(src, 'replace', '--apply', '--delete');
      assert.equal(apply.code, 0, apply.stderr + apply.stdout);
      const imagesAfter = imagesOf(src);
      const deleted = imagesBefore.filter((f) => !imagesAfter.includes(f));
      assert.ok(deleted.length >= 2, `only ${deleted.length} duplicates removed:\n${apply.stdout}`);
      for (const m of known.mentionedOnly) assert.ok(imagesAfter.includes(m), `${m} is named by a template and was deleted`);

      const after = build(path.join(tmp, 'after'));
      assert.deepEqual(after.broken, [], apply.stdout);
      assert.equal(after.images, before.images);
    });
  }

  for (const name of ['drupal-theme', 'wordpress-theme']) {
    it(`${name}: every reference of the theme still resolves; an expression known only at run time keeps the theme's images, and the plan says which`, async () => {
      const known = EXAMPLE_SITES.find((s) => s.name === name)!;
      const src = path.join(tmp, name);
      fs.cpSync(path.join(EXAMPLES, name), src, { recursive: true });
      const imagesBefore = imagesOf(src);
      const apply = await runCli(src, 'replace', '--apply', '--delete');
      assert.equal(apply.code, 0, apply.stderr + apply.stdout);
      const imagesAfter = imagesOf(src);
      // A template prints a value with no literal part (a function's or variable's result, run-time data): it may
      // name any image of the theme, so none is deleted, and the plan names the expression (literalLessMayName).
      assert.deepEqual(imagesAfter, imagesBefore, apply.stdout);
      assert.match(
        apply.stdout,
        /kept, a template may name it: .* \(may name any image under .*ville: a value known only at run time/,
        apply.stdout,
      );
      for (const m of known.mentionedOnly) assert.ok(imagesAfter.includes(m), `${m} is named by a template and was deleted`);
      let count = 0;
      for (const rel of filesUnder(src).filter((f) => !f.startsWith('.doublon/'))) {
        const file = path.join(src, rel);
        if (!languageOf(file) || rel === 'doublon.config.json') continue;
        for (const r of extractReferences(file, fs.readFileSync(file, 'utf8'), { resolve: { roots: [src], webRoots: [] } }).references) {
          count++;
          assert.ok(
            resolveReference(file, r.value, { roots: [src], webRoots: [], kind: r.kind }),
            `${rel}:${r.range.start.line + 1}: ${r.text} no longer resolves`,
          );
        }
      }
      assert.equal(count, known.references.length);
    });
  }
});
