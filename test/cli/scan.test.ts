import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanReport } from '../../protocol/report';
import { loadConfig } from '../../daemon/config/load';
import { analyse } from '../../daemon/analysis';
import { makePhoto, tempDir } from '../fixtures/images';
import { runCli, spawnCli } from '../helpers/cli';
import { write, writeBasicSite } from '../helpers/site';

describe('doublon scan', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(async () => {
    dir = tempDir('doublon-scan-');
    await writeBasicSite(dir.path);
  });
  afterEach(() => dir.cleanup());

  async function scanJson(...args: string[]): Promise<ScanReport> {
    const result = await runCli(dir.path, 'scan', '--json', ...args);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as ScanReport;
  }

  it('finds exact, pixel and near copies, and nothing else', async () => {
    const report = await scanJson();
    assert.equal(report.version, 1);
    assert.deepEqual(report.errors, []);
    assert.equal(report.groups.length, 1, JSON.stringify(report.groups, null, 1));
    const [group] = report.groups;
    const byPath = Object.fromEntries(group.members.map((m) => [m.path, m]));
    assert.deepEqual(Object.keys(byPath).sort(), [
      'assets/photo-a.png',
      'copies/photo-a-small.jpg',
      'copies/photo-a-z9.png',
      'copies/photo-a.png',
    ]);
    assert.equal(group.class, 'near');
    assert.equal(group.members[0].path, group.canonical, 'the canonical comes first');
    assert.equal(byPath['copies/photo-a-small.jpg'].class, 'near');
    assert.ok(byPath['copies/photo-a-small.jpg'].similarity < 1 && byPath['copies/photo-a-small.jpg'].similarity >= 0.9);
    assert.equal(byPath['copies/photo-a-small.jpg'].width, 160);
    const others = group.members.filter((m) => m.path !== 'copies/photo-a-small.jpg' && m.path !== group.canonical);
    const classes = others.map((m) => m.class).sort();
    // The canonical is one of the three full-size PNGs; the other two are its exact and pixel copies.
    assert.ok(
      ['exact', 'pixel'].every((c) => classes.includes(c as 'exact' | 'pixel')) || classes.every((c) => c === 'pixel'),
      classes.join(),
    );
    const total = group.members.filter((m) => m.path !== group.canonical).reduce((s, m) => s + m.bytes, 0);
    assert.equal(group.bytesReclaimable, total);
  });

  it('prints paths relative to the working folder', async () => {
    const result = await runCli(path.dirname(dir.path), 'scan', '--json', path.basename(dir.path));
    const report = JSON.parse(result.stdout) as ScanReport;
    const prefix = path.basename(dir.path) + '/';
    assert.ok(
      report.groups[0].members.every((m) => m.path.startsWith(prefix)),
      report.groups[0].members.map((m) => m.path).join(),
    );
  });

  it('prints a readable text report', async () => {
    const result = await runCli(dir.path, 'scan');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^near group [0-9a-f]{16}: 4 files, .* reclaimable$/m);
    assert.match(result.stdout, /^ {2}\* \S+ {2}320x240 {2}.* {2}canonical \(/m);
    assert.match(result.stdout, /^1 group, 3 duplicate files, .* reclaimable\.$/m);
  });

  it('decodes only new contents on a rescan (copies and renames are free)', async () => {
    const config = loadConfig({ cwd: dir.path });
    const first = await analyse(config);
    assert.equal(first.stats.files, 7);
    assert.equal(first.stats.decoded, 6, 'the exact copy is known by its content');

    const second = await analyse(config);
    assert.deepEqual([second.stats.read, second.stats.decoded, second.stats.unchanged], [0, 0, 7]);

    fs.copyFileSync(path.join(dir.path, 'assets/photo-b.png'), path.join(dir.path, 'copies/photo-b-copy.png'));
    fs.renameSync(path.join(dir.path, 'assets/icon-2.png'), path.join(dir.path, 'assets/icon-two.png'));
    await write(dir.path, 'assets/photo-c.png', await makePhoto(5, 200, 200));
    const third = await analyse(config);
    assert.deepEqual([third.stats.read, third.stats.decoded, third.stats.removed], [3, 1, 1]);
    assert.equal(third.groups.length, 2);
  });

  it('reports bad files and still finds the duplicates', async () => {
    const good = fs.readFileSync(path.join(dir.path, 'assets/photo-a.png'));
    await write(dir.path, 'bad/empty.png', Buffer.alloc(0));
    await write(dir.path, 'bad/truncated.png', good.subarray(0, 200));
    await write(dir.path, 'bad/text.jpg', 'this is not an image\n');
    await write(dir.path, 'bad/garbage.webp', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const report = await scanJson();
    assert.equal(report.groups.length, 1);
    assert.deepEqual(
      report.errors.map((e) => e.path),
      ['bad/empty.png', 'bad/garbage.webp', 'bad/text.jpg', 'bad/truncated.png'],
    );
    for (const error of report.errors) assert.ok(error.message.length > 8, `a clear message for ${error.path}: ${error.message}`);
  });

  it('honours exclude globs and .gitignore', async () => {
    await write(dir.path, '.gitignore', 'copies/photo-a-z9.png\n');
    await write(dir.path, 'doublon.config.json', JSON.stringify({ exclude: ['copies/*.jpg'] }));
    const report = await scanJson();
    assert.deepEqual(report.groups[0].members.map((m) => m.path).sort(), ['assets/photo-a.png', 'copies/photo-a.png']);
    assert.equal(report.groups[0].class, 'exact');
  });

  it('never follows a symbolic link, so a loop cannot trap it', async () => {
    fs.symlinkSync(dir.path, path.join(dir.path, 'assets/loop'));
    fs.symlinkSync(path.join(dir.path, 'assets/photo-b.png'), path.join(dir.path, 'copies/link-to-b.png'));
    const report = await scanJson();
    assert.equal(report.groups.length, 1);
    assert.equal(report.groups[0].members.length, 4);
  });

  it('reports an unreadable folder and goes on', async () => {
    const locked = path.join(dir.path, 'locked');
    await write(dir.path, 'locked/x.png', await makePhoto(9));
    // Root reads every folder, so as root the command runs as "nobody" (the folder tree opened up for it).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) fs.chmodSync(dir.path, 0o777);
    fs.chmodSync(locked, 0o000);
    try {
      const result = spawnCli(dir.path, { asNobody: asRoot }, 'scan', '--json', '--index', path.join(dir.path, 'index'));
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as ScanReport;
      assert.equal(report.groups.length, 1);
      assert.deepEqual(report.errors, [{ path: 'locked', message: 'cannot read folder: permission denied' }]);
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });

  it('runs as a real command and exits 0', () => {
    const result = spawnCli(dir.path, {}, 'scan', '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as ScanReport).groups.length, 1);
  });
});
