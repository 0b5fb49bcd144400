/**
 * Variants by convention (daemon/groups/variants.ts) and web-safe canonicals, on real images through the
 * command a user types: a retina pair, a favicon set and manifest icons are shown in their group, marked,
 * and are never replaced nor failing the check; a sprite without background-size is not pointed at an
 * image of another size; a TIFF is never the canonical.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ScanReport } from '../../protocol/report';
import { CanonicalChooser, type CanonicalCandidate } from '../../daemon/groups/canonical';
import { conventionVariant, VariantIndex } from '../../daemon/groups/variants';
import { findingsOf } from '../../daemon/report/findings';
import { runCli } from '../helpers/cli';

/** A drawing with detail at every scale, so resized copies are near duplicates and different seeds are not. */
function drawing(seed: number, size: number): Promise<Buffer> {
  let shapes = '';
  let x = seed * 7919;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 12; i++) {
    shapes += `<rect x="${Math.floor(rnd() * 80)}" y="${Math.floor(rnd() * 80)}" width="${10 + Math.floor(rnd() * 40)}" height="${10 + Math.floor(rnd() * 40)}" fill="hsl(${Math.floor(rnd() * 360)},70%,${30 + Math.floor(rnd() * 40)}%)"/>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><rect width="100" height="100" fill="#fff"/>${shapes}</svg>`;
  return sharp(Buffer.from(svg), { density: (72 * size) / 100 })
    .resize(size, size)
    .png()
    .toBuffer();
}

describe('templates: variants by convention and web-safe canonicals', function () {
  this.timeout(120_000);

  it('names: @2x, -2x, _3x of one graphic and favicon sets are variants; copies and other folders are not', () => {
    assert.match(conventionVariant('/s/img/logo.png', '/s/img/logo@2x.png') ?? '', /resolution variant \(@2x of logo\.png\)/);
    assert.match(conventionVariant('/s/img/logo@2x.png', '/s/img/logo.png') ?? '', /resolution variant \(1x/);
    assert.ok(conventionVariant('/s/img/logo.png', '/s/img/logo-2x.png'));
    assert.ok(conventionVariant('/s/img/logo.png', '/s/img/logo_3x.png'));
    assert.equal(conventionVariant('/s/img/logo.png', '/s/other/logo@2x.png'), undefined);
    assert.equal(conventionVariant('/s/img/logo.png', '/s/img/logo-copy.png'), undefined);
    assert.equal(conventionVariant('/s/img/logo@2x.png', '/s/img/logo-2x.png'), undefined, 'two names of the same density are copies');
    assert.equal(conventionVariant('/s/favicon-16x16.png', '/s/favicon-32x32.png'), 'favicon / app icon set');
    assert.equal(conventionVariant('/s/apple-touch-icon.png', '/s/mstile-150x150.png'), 'favicon / app icon set');
    assert.equal(conventionVariant('/s/photo.png', '/s/photo-old.png'), undefined);
    assert.equal(conventionVariant('/s/favicon-16x16.png', '/s/favicon-32x32.png', false), undefined, 'icons of one size: copies');
    const index = new VariantIndex([{ paths: ['/s/a.png', '/s/b.png'], reason: 'image-set()' }]);
    assert.equal(index.reason({ path: '/s/a.png', sha256: '1' }, { path: '/s/b.png', sha256: '2' }), 'referenced together in image-set()');
    assert.equal(
      index.reason({ path: '/s/a.png', sha256: '1' }, { path: '/s/b.png', sha256: '1' }),
      undefined,
      'the same bytes: a duplicate',
    );
    assert.equal(index.reason({ path: '/s/a.png' }, { path: '/s/c.png' }), undefined);
    assert.equal(
      index.reason({ path: '/s/logo.png', sha256: '1' }, { path: '/s/logo@2x.png', sha256: '1' }),
      undefined,
      'a @2x name on a copy of the 1x: a duplicate',
    );
  });

  it('a TIFF, PSD or HEIC is never the canonical, even the largest or pinned one; the rule says web-safe', () => {
    const c = (p: string, width: number): CanonicalCandidate => ({
      path: p,
      relativePath: p.slice(1),
      bytes: width * 10,
      width,
      height: width,
      lossless: true,
      mtimeMs: 0,
      references: 0,
    });
    const chooser = new CanonicalChooser(['highest-resolution', 'smallest-file'], (p) => (p.endsWith('.tiff') ? 2 : 0));
    for (const ext of ['tiff', 'psd', 'heic']) {
      const choice = chooser.choose([c(`/scan.${ext}`, 4000), c('/web.png', 800)]);
      assert.equal(choice.canonical.path, '/web.png');
      assert.equal(choice.rule, 'web-safe');
    }
    const both = chooser.choose([c('/a.tiff', 100), c('/b.tiff', 200)]);
    assert.equal(both.canonical.path, '/b.tiff');
    assert.equal(both.rule, 'highest-resolution', 'two TIFFs: the next rule decides');
  });

  describe('on a site, through the CLI', () => {
    let dir: string;
    const write = (rel: string, data: string | Buffer) => {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data);
    };
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-variants-'));
      write('img/logo.png', await drawing(1, 64));
      write('img/logo@2x.png', await drawing(1, 128));
      write('favicon-16x16.png', await drawing(2, 16 * 4));
      write('favicon-32x32.png', await drawing(2, 32 * 4));
      write('icons/icon-192.png', await drawing(3, 192));
      write('icons/icon-512.png', await drawing(3, 512));
      write('img/blue.png', await drawing(4, 48));
      write('img/blue-big.png', await drawing(4, 96));
      const photo = await drawing(5, 120);
      write('img/photo.png', photo);
      write('scans/photo.tiff', await sharp(photo).resize(240).tiff().toBuffer());
      write(
        'index.html',
        `<!doctype html><html><head>
<link rel="icon" sizes="16x16" href="favicon-16x16.png"><link rel="icon" sizes="32x32" href="favicon-32x32.png">
<link rel="manifest" href="site.webmanifest"><link rel="stylesheet" href="css/site.css"></head>
<body><img src="img/logo.png" alt="">
<img src="img/blue-big.png" alt=""><img src="img/blue-big.png" alt="again">
<img src="scans/photo.tiff" alt=""></body></html>\n`,
      );
      write(
        'site.webmanifest',
        JSON.stringify(
          {
            name: 'Ville',
            icons: [
              { src: 'icons/icon-192.png', sizes: '192x192' },
              { src: 'icons/icon-512.png', sizes: '512x512' },
            ],
          },
          null,
          2,
        ),
      );
      write(
        'css/site.css',
        `.sprite { background: url(../img/blue.png) no-repeat; }
.logo { background-image: url(../img/logo.png); }
@media (-webkit-min-device-pixel-ratio: 2), (min-resolution: 192dpi) {
  .logo { background-image: url(../img/logo@2x.png); background-size: 64px 64px; }
}
`,
      );
      write('doublon.config.json', JSON.stringify({ roots: ['.'] }));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('variants are in their group, marked; check and replace leave them alone; a sprite keeps its size; the TIFF is not canonical', async () => {
      const scan = await runCli(dir, 'scan', '--json');
      assert.equal(scan.code === 0 || scan.code === 1, true, scan.stderr);
      const report = JSON.parse(scan.stdout) as ScanReport;
      const groupOf = (p: string) => report.groups.find((g) => g.members.some((m) => m.path === p));
      const memberOf = (p: string) => groupOf(p)?.members.find((m) => m.path === p);
      for (const [a, b] of [
        ['img/logo.png', 'img/logo@2x.png'],
        ['favicon-16x16.png', 'favicon-32x32.png'],
        ['icons/icon-192.png', 'icons/icon-512.png'],
      ]) {
        const g = groupOf(a);
        assert.ok(g, `${a} is in a group`);
        assert.ok(
          g.members.some((m) => m.path === b),
          `${a} and ${b} are in one group (variants stay visible)`,
        );
        const nonCanonical = g.members.slice(1);
        assert.ok(
          nonCanonical.every((m) => m.variant),
          `${JSON.stringify(nonCanonical)} marked as variants`,
        );
      }
      assert.match(memberOf('favicon-16x16.png')?.variant ?? memberOf('favicon-32x32.png')?.variant ?? '', /icon/);
      const photo = groupOf('img/photo.png');
      assert.equal(photo?.canonical, 'img/photo.png');
      assert.equal(photo?.rule, 'web-safe');
      assert.equal(memberOf('img/blue.png')?.variant, undefined, 'blue.png is a near duplicate, not a variant');

      // What `check` fails on (the same function whether the groups come from this process or a daemon).
      const findings = findingsOf(report.groups, ['exact', 'pixel', 'near']).map((f) => f.member.path);
      assert.ok(findings.includes('img/blue.png') || findings.includes('img/blue-big.png'), 'the near duplicate does fail the check');
      for (const v of [
        'img/logo@2x.png',
        'img/logo.png',
        'favicon-16x16.png',
        'favicon-32x32.png',
        'icons/icon-192.png',
        'icons/icon-512.png',
      ]) {
        assert.ok(!findings.includes(v), `${v} is a variant: not a finding`);
      }

      const plan = await runCli(dir, 'replace', '--class', 'exact,pixel,near', '--delete', '--json');
      assert.equal(plan.code, 0, plan.stderr);
      const p = JSON.parse(plan.stdout).plan as {
        files: Array<{ path: string; edits: Array<{ oldText: string; newText: string }> }>;
        removals: Array<{ path: string }>;
        skipped: Array<{ code: string; reason: string }>;
      };
      const edits = p.files.flatMap((f) => f.edits.map((e) => `${path.relative(dir, f.path)}: ${e.oldText} -> ${e.newText}`));
      assert.ok(!edits.some((e) => /logo|favicon|icon-/.test(e)), edits.join('\n'));
      assert.ok(!p.removals.some((r) => /logo|favicon|icon-/.test(r.path)), 'no variant removed');
      assert.ok(!edits.some((e) => e.startsWith('css/site.css') && e.includes('blue')), 'the sprite is not pointed at a larger image');
      assert.ok(
        p.skipped.some((s) => s.code === 'pixel-size' && /css\/site\.css:1/.test(s.reason)),
        JSON.stringify(p.skipped, null, 1),
      );
      assert.ok(p.skipped.some((s) => s.code === 'variant' && /logo/.test(s.reason)));
      assert.ok(
        edits.some((e) => e === 'index.html: scans/photo.tiff -> img/photo.png'),
        `the page is pointed at the PNG:\n${edits.join('\n')}`,
      );
    });
  });
});
