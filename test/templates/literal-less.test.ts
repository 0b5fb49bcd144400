import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractReferences, forgetSites, literalLessMayName, runtimeScopeOf } from '../../daemon/refs';
import { describeScope, sourceMentionMayName } from '../../daemon/refstore/store';
import { tempDir } from '../fixtures/images';
import { EXAMPLES } from './files';

/** The mentions of one example file that carry no literal part. */
function literalLess(file: string) {
  const found = extractReferences(file, fs.readFileSync(file, 'utf8'), { resolve: { roots: [EXAMPLES], webRoots: [] } }).mentions.filter(
    (m) => m.pattern === undefined,
  );
  assert.ok(found.length > 0, `${file} has no mention without a literal`);
  return found.map((m) => ({ ...m, source: file }));
}

describe('templates: a mention with no literal part (`{{ .Params.image }}`, `<?php echo $img; ?>`)', () => {
  beforeEach(() => forgetSites());

  it('in a static generator site blocks nothing by itself: its values come from files the scans read', () => {
    const hugo = path.join(EXAMPLES, 'hugo-site');
    const [mention] = literalLess(path.join(hugo, 'themes/civic/layouts/_default/single.html'));
    assert.equal(runtimeScopeOf(mention.source), undefined);
    for (const image of ['static/img/digit-150.png', 'static/icons/bus.png', 'themes/civic/static/img/logo.png']) {
      assert.equal(sourceMentionMayName(mention, path.join(hugo, image)), false, image);
    }
  });

  it('in a WordPress or Drupal theme may name any image of the theme (run-time data), and no image outside it', () => {
    for (const [site, file, image] of [
      ['wordpress-theme', 'ville/header.php', 'ville/images/bg.png'],
      ['drupal-theme', 'ville/templates/page.html.twig', 'ville/images/seal-old.png'],
    ]) {
      const root = path.join(EXAMPLES, site);
      const mention = literalLess(path.join(root, file))[0];
      assert.equal(runtimeScopeOf(mention.source), path.join(root, 'ville'));
      assert.equal(sourceMentionMayName(mention, path.join(root, image)), true, `${site}: ${image}`);
      assert.equal(
        sourceMentionMayName(mention, path.join(EXAMPLES, 'hugo-site/static/img/digit-150.png')),
        false,
        `${site}: an image of another site`,
      );
      // The plan shows what it may name after "may name".
      assert.match(
        describeScope(mention).pattern ?? '',
        new RegExp(`^any image under ${path.join(root, 'ville').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a value known only at run time`),
      );
    }
  });

  it('in a template of no known generator may name any image', () => {
    const dir = tempDir('doublon-literal-less-');
    try {
      const page = path.join(dir.path, 'app', 'card.php');
      fs.mkdirSync(path.dirname(page), { recursive: true });
      fs.writeFileSync(page, '<figure><img src="<?php echo $photo; ?>" alt=""></figure>\n');
      const { mentions } = extractReferences(page, fs.readFileSync(page, 'utf8'), { resolve: { roots: [dir.path], webRoots: [] } });
      assert.equal(mentions.length, 1);
      assert.equal(mentions[0].pattern, undefined);
      assert.equal(mentions[0].range.start.line, 0);
      const mention = { ...mentions[0], source: page };
      assert.equal(literalLessMayName(page, path.join(dir.path, 'img', 'x.png')), true);
      assert.equal(sourceMentionMayName(mention, path.join(dir.path, 'elsewhere', 'y.jpg')), true);
      assert.match(describeScope(mention).pattern ?? '', /^any image: a value known only at run time/);
    } finally {
      dir.cleanup();
    }
  });
});
