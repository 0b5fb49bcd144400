/** Baselines: relative to the baseline file, stable from any working folder, sorted one entry a line, prunable. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';
import { writeBasicSite } from '../helpers/site';

interface BaselineFile {
  version: number;
  duplicates: Array<{ path: string; sha256: string; class: string }>;
}

describe('doublon check --baseline', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let site: string;
  beforeEach(async () => {
    dir = tempDir('doublon-baseline-');
    site = path.join(dir.path, 'site');
    await writeBasicSite(site);
    fs.mkdirSync(path.join(site, 'sub/deeper'), { recursive: true });
  });
  afterEach(() => dir.cleanup());

  const read = (file: string): BaselineFile => JSON.parse(fs.readFileSync(file, 'utf8')) as BaselineFile;

  it('records paths relative to its own folder, sorted, one entry a line', async () => {
    const file = path.join(site, 'ci/doublon-baseline.json');
    fs.mkdirSync(path.dirname(file));
    const update = await runCli(path.join(site, 'sub'), 'check', '..', '--baseline', '../ci/doublon-baseline.json', '--update-baseline');
    assert.equal(update.code, 0, update.stderr);
    const written = read(file);
    assert.equal(written.version, 2);
    const paths = written.duplicates.map((d) => d.path);
    assert.ok(
      paths.every((p) => /^\.\.\/(copies|assets)\//.test(p)),
      paths.join(', '),
    );
    assert.deepEqual(paths, [...paths].sort());
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text.split('\n').filter((l) => l.trim().startsWith('{"path"')).length, 3, text);
  });

  it('is stable from any working folder, and with --cwd', async () => {
    const update = await runCli(site, 'check', '--baseline', 'doublon-baseline.json', '--update-baseline');
    assert.equal(update.code, 0, update.stderr);
    const before = fs.readFileSync(path.join(site, 'doublon-baseline.json'), 'utf8');
    for (const [cwd, args] of [
      [path.join(site, 'sub/deeper'), ['check', '../..', '--baseline', '../../doublon-baseline.json']],
      [dir.path, ['check', 'site', '--baseline', 'site/doublon-baseline.json']],
      [dir.path, ['--cwd', 'site/sub', 'check', '..', '--baseline', '../doublon-baseline.json']],
    ] as const) {
      const result = await runCli(cwd, ...args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}`);
      assert.equal(result.stdout, 'No new duplicate images (3 more in the baseline).\n');
    }
    // Rewriting it from elsewhere gives the same bytes.
    await runCli(path.join(site, 'sub'), 'check', '..', '--baseline', '../doublon-baseline.json', '--update-baseline');
    assert.equal(fs.readFileSync(path.join(site, 'doublon-baseline.json'), 'utf8'), before);
  });

  it('--prune-baseline drops entries of removed copies and keeps the others', async () => {
    const file = path.join(site, 'doublon-baseline.json');
    await runCli(site, 'check', '--baseline', file, '--update-baseline');
    const removed = read(file).duplicates[0].path;
    fs.rmSync(path.join(site, removed));
    const result = await runCli(path.join(site, 'sub'), 'check', '..', '--baseline', '../doublon-baseline.json', '--prune-baseline');
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.stderr, 'Removed 1 stale entry from ../doublon-baseline.json (2 kept).\n');
    const pruned = read(file).duplicates.map((d) => d.path);
    assert.equal(pruned.length, 2);
    assert.ok(!pruned.includes(removed));
    const again = await runCli(site, 'check', '--baseline', file, '--prune-baseline');
    assert.equal(again.stderr, `Removed 0 stale entries from ${file} (2 kept).\n`);
  });

  it('reads a version 1 baseline (paths relative to the working folder)', async () => {
    const file = path.join(site, 'doublon-baseline.json');
    await runCli(site, 'check', '--baseline', file, '--update-baseline');
    const v2 = read(file);
    fs.writeFileSync(file, JSON.stringify({ version: 1, duplicates: v2.duplicates.map((d) => ({ ...d, path: `site/${d.path}` })) }));
    const result = await runCli(dir.path, 'check', 'site', '--baseline', 'site/doublon-baseline.json');
    assert.equal(result.code, 0, result.stdout);
  });
});
