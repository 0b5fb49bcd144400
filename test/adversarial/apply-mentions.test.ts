/**
 * `replace --apply --delete` must not trash an image that is still used. 60 exact copies, each named once
 * where no reference extractor reads it: a 12.6 MB HTML page (over the source size limit), an HTML page with a
 * NUL byte, an RSS feed, an SVG `<image href>`, an ERB helper call, a Python string. Every one is kept, with
 * the mention (file:line) as its reason, over the CLI (text and --json) and over the daemon.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReplacePlanResult } from '../../protocol/methods';
import type { ReplacePlan } from '../../daemon/replace';
import { makePhoto, tempDir } from '../fixtures/images';
import { runCli, spawnCli } from '../helpers/cli';
import { startDaemonProcess } from '../helpers/daemon';
import { write } from '../helpers/site';

const COPIES = 60;
const copyName = (i: number) => `c-${String(i).padStart(2, '0')}.png`;
const BIG_PAGE_BYTES = 12.6 * 1024 * 1024;

/** Where each copy is mentioned: [file, 1-based line]. Filled by writeSite. */
type Expected = Map<string, { file: string; line: number }>;

async function writeSite(root: string): Promise<Expected> {
  const expected: Expected = new Map();
  const png = await makePhoto(7, 48, 32);
  await write(root, 'assets/base.png', png);
  for (let i = 0; i < COPIES; i++) await write(root, `copies/${copyName(i)}`, png);
  await write(root, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
  const kinds = ['big', 'nul', 'feed', 'svg', 'erb', 'py'] as const;
  const byKind = new Map<string, number[]>(kinds.map((k) => [k, []]));
  for (let i = 0; i < COPIES; i++) byKind.get(kinds[i % kinds.length])!.push(i);

  // 12.6 MB of HTML, one <img> per copy spread over it; one name straddles a 1 MiB read boundary, one sits past 10 MB.
  const big = byKind.get('big')!;
  const filler = '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n';
  let html = '<!doctype html>\n<html><body>\n';
  let line = 3;
  const tag = (i: number) => `<img src="copies/${copyName(i)}" alt="">\n`;
  const boundary = 5 * 1024 * 1024;
  for (let k = 0; k < big.length; k++) {
    const target =
      k === 0
        ? boundary - 'copies/c-0'.length - '<img src="'.length
        : k === big.length - 1
          ? 10.5 * 1024 * 1024
          : (k * BIG_PAGE_BYTES) / big.length;
    const count = Math.max(0, Math.floor((target - html.length) / filler.length));
    html += filler.repeat(count);
    line += count;
    if (k === 0) {
      const pad = boundary - 'copies/c-0'.length - '<img src="'.length - html.length;
      html += 'x'.repeat(Math.max(0, pad - 1)) + '\n';
      line++;
    }
    expected.set(copyName(big[k]), { file: 'pages/big.html', line });
    html += tag(big[k]);
    line++;
  }
  html += filler.repeat(Math.max(0, Math.floor((BIG_PAGE_BYTES - html.length) / filler.length))) + '</body></html>\n';
  await write(root, 'pages/big.html', html);
  assert.ok(fs.statSync(path.join(root, 'pages/big.html')).size > 12.5 * 1024 * 1024);

  // HTML with a NUL byte in the middle (the extractor calls it binary).
  const nul = byKind.get('nul')!;
  await write(
    root,
    'pages/nul.html',
    Buffer.concat([Buffer.from('<html><body>\n<p>before\0after</p>\n'), Buffer.from(nul.map((i) => tag(i)).join(''))]),
  );
  nul.forEach((i, k) => expected.set(copyName(i), { file: 'pages/nul.html', line: 3 + k }));

  const feed = byKind.get('feed')!;
  await write(
    root,
    'feed.xml',
    `<?xml version="1.0"?>\n<rss version="2.0"><channel>\n${feed.map((i) => `<item><enclosure url="https://example.com/copies/${copyName(i)}" type="image/png"/></item>\n`).join('')}</channel></rss>\n`,
  );
  feed.forEach((i, k) => expected.set(copyName(i), { file: 'feed.xml', line: 3 + k }));

  const svg = byKind.get('svg')!;
  await write(
    root,
    'assets/sprite.svg',
    `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">\n${svg.map((i) => `<image href="../copies/${copyName(i)}" width="1" height="1"/>\n`).join('')}</svg>\n`,
  );
  svg.forEach((i, k) => expected.set(copyName(i), { file: 'assets/sprite.svg', line: 2 + k }));

  const erb = byKind.get('erb')!;
  await write(root, 'templates/page.erb', `<h1>Page</h1>\n${erb.map((i) => `<%= image_tag "copies/" + "${copyName(i)}" %>\n`).join('')}`);
  erb.forEach((i, k) => expected.set(copyName(i), { file: 'templates/page.erb', line: 2 + k }));

  const py = byKind.get('py')!;
  await write(root, 'scripts/thumbs.py', `import os\n${py.map((i) => `IMAGE_${i} = os.path.join("copies", "${copyName(i)}")\n`).join('')}`);
  py.forEach((i, k) => expected.set(copyName(i), { file: 'scripts/thumbs.py', line: 2 + k }));
  assert.equal(expected.size, COPIES);
  return expected;
}

function hashTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.doublon') walk(p);
      } else out[path.relative(root, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}

describe('adversarial: --delete keeps every image still mentioned (the 60-copy case)', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let expected: Expected;
  let original: Record<string, string>;

  before(async () => {
    dir = tempDir('dbl-mentions-');
    root = path.join(dir.path, 'site');
    expected = await writeSite(root);
    original = hashTree(root);
  });
  after(() => dir?.cleanup());

  /** Every copy kept with a reason naming where it is mentioned, and listed among the unresolved mentions. */
  function assertAllKept(plan: ReplacePlan): void {
    assert.equal(plan.removals.length, 0, `removed: ${plan.removals.map((r) => r.path).join(', ')}`);
    for (const [name, where] of expected) {
      const image = path.join(root, 'copies', name);
      const kept = plan.skipped.find((s) => s.image === image);
      assert.ok(kept, `${name}: no reason given for keeping it`);
      assert.equal(kept.code, 'mentioned', kept.reason);
      assert.ok(
        kept.reason.includes(`mentioned in ${where.file}:${where.line}`),
        `${name}: ${kept.reason} (expected ${where.file}:${where.line})`,
      );
      const mention = plan.unresolvedMentions.find((m) => m.images.includes(image));
      assert.ok(mention, `${name}: not among the unresolved mentions`);
      assert.deepEqual([path.relative(root, mention.path), mention.line], [where.file, where.line]);
      assert.ok(mention.text.includes(name), mention.text);
      assert.ok(mention.column >= 1);
    }
  }

  it('CLI: replace --apply --delete --json moves nothing and says why for each copy', async () => {
    const result = await runCli(root, 'replace', '--apply', '--delete', '--json', '--no-progress');
    assert.equal(result.code, 0, result.stderr);
    const { plan, result: applied } = JSON.parse(result.stdout) as { plan: ReplacePlan; result: { removed: unknown[] } };
    assertAllKept(plan);
    assert.equal(applied.removed.length, 0);
    assert.deepEqual(hashTree(root), original, 'no file changed or moved');
  });

  it('CLI text output lists the unresolved mentions and the reason for each kept copy (as a process)', () => {
    const result = spawnCli(root, {}, 'replace', '--apply', '--delete', '--no-progress');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Unresolved mentions \\(${COPIES}\\)`));
    assert.match(
      result.stdout,
      /^ {2}templates\/page\.erb:2:\d+ {2}<%= image_tag "copies\/" \+ "c-04\.png" %> {2}→ keeps copies\/c-04\.png$/m,
    );
    assert.match(result.stdout, /^ {2}copies\/c-03\.png: kept, mentioned in assets\/sprite\.svg:2 /m);
    assert.match(result.stdout, /0 images moved to the trash/);
    assert.deepEqual(hashTree(root), original);
  });

  it('daemon: the plan keeps every copy with its reason, and applying it moves nothing', async () => {
    const daemon = await startDaemonProcess(root, path.join(dir.path, 'index'));
    try {
      await daemon.idle();
      const planned = await daemon.http.request<ReplacePlanResult>('doublon/replacePlan', { delete: true });
      assertAllKept(planned.plan as unknown as ReplacePlan);
      assert.equal(planned.removals.length, 0);
      assert.equal(new Set(planned.unresolvedMentions.flatMap((m) => m.images)).size, COPIES);
      assert.ok(planned.unresolvedMentions.some((m) => m.path === 'pages/big.html'));
      const applied = await daemon.http.request<{ removed: number }>('doublon/replaceApply', { plan: planned.plan });
      assert.equal(applied.removed, 0);
      assert.deepEqual(hashTree(root), original);
    } finally {
      await daemon.stop();
    }
  });
});
