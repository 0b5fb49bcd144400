/**
 * The npm package as a user gets it: `npm pack` of a copy of the sources (so `prepack` must build out/
 * itself), the tarball's contents checked against the allow-list, then `npm install -g` into a temporary
 * prefix and `npx --package <tarball>`, each scanning the example site from another folder.
 * Prints the figures the issue asks for (tarball size, file count, install → first scan result).
 */
import * as assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../fixtures/images';

const REPO = path.resolve(__dirname, '../../..');
/** What building and packing need; the copy has no out/, so a tarball with out/ proves `prepack` built it. */
const SOURCES = [
  'package.json',
  'tsconfig.json',
  'tsconfig.base.json',
  'README.md',
  'LICENSE',
  'bin',
  'daemon',
  'protocol',
  'schema',
  'docs',
];

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, npm_config_update_notifier: 'false', ...env },
  });
  if (result.error) throw result.error;
  return result;
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.status, 0, `${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** `npm pack --json` prints lifecycle output before the JSON array on some npm versions. */
function parsePack(stdout: string): PackResult {
  const start = stdout.search(/^\[/m);
  assert.ok(start >= 0, `no JSON in npm pack's output:\n${stdout}`);
  const [result] = JSON.parse(stdout.slice(start)) as PackResult[];
  return result;
}

describe('npm package', function () {
  this.timeout(600_000);
  let dir: { path: string; cleanup(): void };
  let pack: PackResult;
  let tarball: string;

  before(function () {
    dir = tempDir('doublon-package-');
    const stage = path.join(dir.path, 'stage');
    for (const entry of SOURCES) {
      if (fs.existsSync(path.join(REPO, entry))) fs.cpSync(path.join(REPO, entry), path.join(stage, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
    // `npm pack` runs prepack and prepare, two identical builds: run prepack (what must build) once, then pack.
    ok(run('npm', ['run', 'prepack'], stage), 'npm run prepack');
    const out = ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], stage), 'npm pack');
    pack = parsePack(out);
    tarball = path.join(dir.path, pack.filename);
    fs.cpSync(path.join(REPO, 'examples/city-site'), path.join(dir.path, 'site'), { recursive: true });
    fs.mkdirSync(path.join(dir.path, 'elsewhere'));
  });
  after(() => dir?.cleanup());

  it('ships the built CLI, its assets and docs, and no tests, sources, benchmarks or CI scripts', () => {
    const files = pack.files.map((f) => f.path);
    for (const needed of [
      'bin/doublon.js',
      'out/daemon/cli/main.js',
      'out/protocol/report.js',
      'daemon/dashboard/static/index.html',
      'schema/doublon.config.schema.json',
      'docs/cli.md',
      'docs/rules/duplicate-exact.md',
      'README.md',
      'LICENSE',
      'package.json',
    ]) {
      assert.ok(files.includes(needed), `${needed} is missing from the tarball`);
    }
    const unwanted = files.filter(
      (f) =>
        /^(test|bench|\.ci|extension|scripts|examples|out\/(test|bench|extension))\//.test(f) ||
        /\.(ts|map)$/.test(f) ||
        f.startsWith('dist/'),
    );
    assert.deepEqual(unwanted, []);
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      private?: boolean;
      main: string;
      bin: Record<string, string>;
    };
    assert.equal(manifest.private, undefined, 'a private package cannot be published');
    assert.ok(files.includes(manifest.main.replace(/^\.\//, '')), `main (${manifest.main}) is not shipped`);
    assert.ok(files.includes(manifest.bin.doublon), 'the bin script is not shipped');
    console.log(
      `      tarball ${pack.filename}: ${(pack.size / 1e3).toFixed(1)} kB packed, ${(pack.unpackedSize / 1e3).toFixed(1)} kB unpacked, ${pack.entryCount} files`,
    );
  });

  it('installs globally into a prefix and scans the example site from another folder', () => {
    const prefix = path.join(dir.path, 'prefix');
    const started = Date.now();
    ok(
      run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], dir.path),
      'npm install -g',
    );
    const installed = Date.now();
    const bin = path.join(prefix, 'bin', 'doublon');
    const scan = run(bin, ['check', '../site', '--format', 'json', '--no-progress'], path.join(dir.path, 'elsewhere'));
    const scanned = Date.now();
    assert.equal(scan.status, 1, `the example site has duplicates: check exits 1\n${scan.stderr}`);
    const report = JSON.parse(scan.stdout) as { groups: Array<{ members: Array<{ path: string }> }>; findings: unknown[] };
    assert.ok(report.groups.length > 0 && report.findings.length > 0, scan.stdout);
    assert.ok(report.groups[0].members[0].path.startsWith('../site/'), 'paths are relative to the working folder');
    console.log(
      `      npm install -g: ${((installed - started) / 1000).toFixed(1)} s, first check result ${((scanned - installed) / 1000).toFixed(1)} s later (${((scanned - started) / 1000).toFixed(1)} s in all)`,
    );
    const version = ok(run(bin, ['--version'], dir.path), 'doublon --version');
    assert.equal(version.trim(), '0.1.0');
  });

  it('runs through npx --package <tarball>', () => {
    // npx installs into <cache>/_npx: a cache folder of our own (removed with the temp folder) whose
    // _cacache is the user's, so packages already downloaded are not fetched again.
    const userCache = ok(run('npm', ['config', 'get', 'cache'], dir.path), 'npm config get cache').trim();
    const cache = path.join(dir.path, 'npm-cache');
    fs.mkdirSync(cache);
    fs.symlinkSync(path.join(userCache, '_cacache'), path.join(cache, '_cacache'), 'dir');
    const result = run(
      'npx',
      ['--yes', '--prefer-offline', '--package', tarball, 'doublon', 'scan', '../site', '--json', '--no-progress'],
      path.join(dir.path, 'elsewhere'),
      { npm_config_cache: cache },
    );
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { groups: unknown[] };
    assert.ok(report.groups.length > 0);
  });
});
