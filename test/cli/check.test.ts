import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import type { ScanReport } from '../../protocol/report';
import { tempDir, makePhoto } from '../fixtures/images';
import { runCli, spawnCli } from '../helpers/cli';
import { write, writeBasicSite } from '../helpers/site';

/** SARIF 2.1.0 (rtm.5) schema as shipped by Microsoft's sarif-js-sdk. */
const SARIF_SCHEMA = JSON.parse(
  fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
) as object;

describe('doublon check', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(async () => {
    dir = tempDir('doublon-check-');
    await writeBasicSite(dir.path);
  });
  afterEach(() => dir.cleanup());

  it('exits 0 on a clean tree', async () => {
    const clean = tempDir('doublon-clean-');
    try {
      await write(clean.path, 'a.png', await makePhoto(1));
      await write(clean.path, 'b.png', await makePhoto(2));
      const result = await runCli(clean.path, 'check');
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(result.stdout, 'No new duplicate images.\n');
    } finally {
      clean.cleanup();
    }
  });

  it('exits 1 and lists every duplicate in text', async () => {
    const result = await runCli(dir.path, 'check');
    assert.equal(result.code, 1);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 4, result.stdout);
    assert.match(lines[3], /^3 duplicate images, .* reclaimable: 3 errors, 0 warnings\.$/);
    assert.ok(
      lines.some((l) => /^error +copies\/photo-a-small\.jpg is a near copy \(\d+\.\d% similar\) of .* {2}duplicate-near$/.test(l)),
      result.stdout,
    );
  });

  it('--fail-on chooses the classes that are errors; the others are warnings', async () => {
    const result = await runCli(dir.path, 'check', '--fail-on', 'near', '--format', 'json');
    assert.equal(result.code, 1);
    const out = JSON.parse(result.stdout) as {
      findings: Array<{ path: string; class: string; severity: string }>;
      errors: number;
      warnings: number;
    };
    assert.deepEqual(
      out.findings.filter((f) => f.severity === 'error').map((f) => [f.path, f.class]),
      [['copies/photo-a-small.jpg', 'near']],
    );
    assert.equal(out.findings.filter((f) => f.severity === 'warning' && f.class !== 'near').length, 2);
    assert.equal(out.errors, 1);
    assert.equal(out.warnings, 2);
  });

  it('a baseline hides known duplicates and fails on new ones', async () => {
    const baseline = path.join(dir.path, 'doublon-baseline.json');
    const update = await runCli(dir.path, 'check', '--baseline', baseline, '--update-baseline');
    assert.equal(update.code, 0, update.stderr);
    const written = JSON.parse(fs.readFileSync(baseline, 'utf8')) as { version: number; duplicates: Array<{ path: string }> };
    assert.equal(written.version, 2);
    assert.equal(written.duplicates.length, 3);

    const same = await runCli(dir.path, 'check', '--baseline', baseline);
    assert.equal(same.code, 0, same.stdout);
    assert.equal(same.stdout, 'No new duplicate images (3 more in the baseline).\n');

    fs.copyFileSync(path.join(dir.path, 'assets/photo-b.png'), path.join(dir.path, 'copies/photo-b.png'));
    const added = await runCli(dir.path, 'check', '--baseline', baseline, '--format', 'json');
    assert.equal(added.code, 1);
    const out = JSON.parse(added.stdout) as { findings: Array<{ path: string }>; baselined: number };
    assert.equal(out.baselined, 3);
    assert.equal(out.findings.length, 1);
    assert.match(out.findings[0].path, /photo-b\.png$/);
  });

  it('a missing baseline is a usage error (exit 2) with a way forward', async () => {
    const result = await runCli(dir.path, 'check', '--baseline', 'nope.json');
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'doublon: baseline nope.json does not exist (create it with --update-baseline)\n');
  });

  it('writes SARIF 2.1.0 that validates against the schema', async () => {
    await write(dir.path, 'bad/broken.jpg', 'not a jpeg');
    const result = await runCli(dir.path, 'check', '--format', 'sarif', '--output', 'out.sarif');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const sarif = JSON.parse(fs.readFileSync(path.join(dir.path, 'out.sarif'), 'utf8')) as {
      runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }>;
    };
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    const validate = ajv.compile(SARIF_SCHEMA);
    assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));
    const results = sarif.runs[0].results;
    assert.equal(results.length, 4);
    assert.ok(
      results.some(
        (r) => r.ruleId === 'duplicate-near' && r.locations[0].physicalLocation.artifactLocation.uri === 'copies/photo-a-small.jpg',
      ),
    );
    assert.ok(
      results.some((r) => r.ruleId === 'unreadable-image' && r.locations[0].physicalLocation.artifactLocation.uri === 'bad/broken.jpg'),
      'the broken file is reported',
    );
  });

  it('writes GitHub annotations', async () => {
    const result = await runCli(dir.path, 'check', '--format', 'github');
    assert.equal(result.code, 1);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(
      lines.some((l) =>
        l.startsWith('::error file=copies/photo-a-small.jpg,title=Duplicate image (near)::copies/photo-a-small.jpg is a near copy'),
      ),
      result.stdout,
    );
    assert.equal(lines.filter((l) => l.startsWith('::error file=')).length, 3);
  });

  it('writes a GitLab Code Quality report', async () => {
    const result = await runCli(dir.path, 'check', '--format', 'gitlab');
    const issues = JSON.parse(result.stdout) as Array<{
      check_name: string;
      fingerprint: string;
      severity: string;
      location: { path: string };
    }>;
    const scan = JSON.parse((await runCli(dir.path, 'scan', '--json')).stdout) as ScanReport;
    const duplicates = scan.groups[0].members.filter((m) => m.path !== scan.groups[0].canonical);
    assert.deepEqual(issues.map((i) => i.location.path).sort(), duplicates.map((m) => m.path).sort());
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, 3);
    assert.deepEqual(
      issues.map((i) => i.severity),
      ['major', 'major', 'major'],
      'every class fails by default: all are errors',
    );
  });

  it('exits 2 on usage and config errors, as a real process', async () => {
    assert.equal(spawnCli(dir.path, {}, 'check', '--format', 'xml').code, 2);
    assert.equal(spawnCli(dir.path, {}, 'frobnicate').code, 2);
    await write(dir.path, 'doublon.config.json', '{"thresholds": {"nearSimilarity": "high"}}');
    const bad = spawnCli(dir.path, {}, 'check');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /thresholds\.nearSimilarity: expected a number between 0\.5 and 1, received "high" \(string\)/);
    assert.equal(spawnCli(dir.path, {}, 'check', '--update-baseline').code, 2);
  });
});
