/** The conventions users know from ESLint and other CLIs: version, help, --cwd, colour, --quiet, --max-warnings. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { colorEnabled } from '../../daemon/cli/color';
import { main } from '../../daemon/cli/main';
import { REPOSITORY_URL, TOOL_VERSION } from '../../daemon/report/tool';
import { tempDir } from '../fixtures/images';
import { runCli, spawnCli, type CliResult } from '../helpers/cli';
import { writeBasicSite } from '../helpers/site';

const PACKAGE = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  version: string;
  repository: { url: string };
  homepage: string;
  bugs: { url: string };
};
const ESC = '\u001b[';

async function runWith(cwd: string, extra: { isTTY?: boolean; env?: NodeJS.ProcessEnv }, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'doublon', ...args], { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), ...extra });
  return { code, stdout, stderr };
}

describe('CLI conventions', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  before(async () => {
    dir = tempDir('doublon-conventions-');
    await writeBasicSite(dir.path);
  });
  after(() => dir.cleanup());

  it('-v and --version print the package version, which the code knows without reading package.json', async () => {
    assert.equal(TOOL_VERSION, PACKAGE.version);
    for (const flag of ['-v', '--version']) {
      const result = await runCli(dir.path, flag);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${PACKAGE.version}\n`);
    }
  });

  it('package.json points at the one repository address the reports link to', () => {
    assert.equal(PACKAGE.repository.url, `git+${REPOSITORY_URL}.git`);
    assert.equal(PACKAGE.homepage, `${REPOSITORY_URL}#readme`);
    assert.equal(PACKAGE.bugs.url, `${REPOSITORY_URL}/issues`);
  });

  it('help ends with examples, exit codes and the colour environment; check --help with the severities', async () => {
    const help = await runCli(dir.path, '--help');
    assert.equal(help.code, 0);
    for (const section of [
      'Examples:',
      'Exit codes:',
      '  2  usage, configuration or environment error',
      'NO_COLOR',
      'FORCE_COLOR',
      '--cwd <dir>',
      '--no-color',
    ]) {
      assert.ok(help.stdout.includes(section), `${section} missing from --help`);
    }
    const check = await runCli(dir.path, 'check', '--help');
    for (const section of ['Severities', '--max-warnings <n>', '--quiet', '--prune-baseline', 'unreadable', 'Exit codes:']) {
      assert.ok(check.stdout.includes(section), `${section} missing from check --help`);
    }
  });

  it('--cwd runs as if started in that folder, before or after the command', async () => {
    const here = JSON.parse((await runCli(dir.path, 'check', '--format', 'json')).stdout) as { findings: unknown[] };
    const elsewhere = tempDir('doublon-elsewhere-');
    try {
      for (const args of [
        ['--cwd', dir.path, 'check', '--format', 'json'],
        ['check', '--cwd', path.relative(elsewhere.path, dir.path), '--format', 'json'],
      ]) {
        const result = await runCli(elsewhere.path, ...args);
        assert.equal(result.code, 1, result.stderr);
        assert.deepEqual((JSON.parse(result.stdout) as { findings: unknown[] }).findings, here.findings);
      }
      const missing = await runCli(elsewhere.path, '--cwd', 'nope', 'scan');
      assert.equal(missing.code, 2);
      assert.equal(missing.stderr, 'doublon: --cwd: nope is not a folder\n');
    } finally {
      elsewhere.cleanup();
    }
  });

  it('colour: --color/--no-color, then FORCE_COLOR, then NO_COLOR, then the terminal', () => {
    const cases: Array<[boolean | undefined, NodeJS.ProcessEnv, boolean, boolean]> = [
      [undefined, {}, true, true],
      [undefined, {}, false, false],
      [false, { FORCE_COLOR: '1' }, true, false],
      [true, { NO_COLOR: '1' }, false, true],
      [undefined, { NO_COLOR: '1' }, true, false],
      [undefined, { NO_COLOR: '' }, true, true],
      [undefined, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
      [undefined, { FORCE_COLOR: '0' }, true, false],
      [undefined, { FORCE_COLOR: 'false' }, true, false],
      [undefined, { FORCE_COLOR: '' }, false, true],
    ];
    for (const [flag, env, isTTY, expected] of cases) {
      assert.equal(colorEnabled({ flag, env, isTTY }), expected, JSON.stringify({ flag, env, isTTY }));
    }
  });

  it('colours text on a terminal only, and never the machine formats', async () => {
    const tty = await runWith(dir.path, { isTTY: true }, 'check');
    assert.ok(tty.stdout.includes(`${ESC}31merror`), tty.stdout);
    assert.ok(!(await runWith(dir.path, { isTTY: true }, 'check', '--no-color')).stdout.includes(ESC));
    assert.ok(!(await runWith(dir.path, { isTTY: true, env: { NO_COLOR: '1' } }, 'check')).stdout.includes(ESC));
    assert.ok(!(await runWith(dir.path, { isTTY: false }, 'check')).stdout.includes(ESC));
    assert.ok((await runWith(dir.path, { isTTY: false, env: { FORCE_COLOR: '1' } }, 'check')).stdout.includes(ESC));
    for (const format of ['json', 'sarif', 'github', 'gitlab']) {
      assert.ok(
        !(await runWith(dir.path, { isTTY: true, env: { FORCE_COLOR: '1' } }, 'check', '--format', format)).stdout.includes(ESC),
        format,
      );
    }
    const real = spawnCli(dir.path, {}, 'check');
    assert.ok(!real.stdout.includes(ESC), 'a pipe gets no colour');
  });

  it('--max-warnings fails past the limit; --quiet shows and counts errors only', async () => {
    // exact and pixel copies are errors, the near copy a warning.
    const base = ['check', '--fail-on', 'exact,pixel', '--format', 'json'];
    const counts = async (...args: string[]) => {
      const r = await runCli(dir.path, ...base, ...args);
      const out = JSON.parse(r.stdout) as { errors: number; warnings: number; findings: Array<{ severity: string }> };
      return { code: r.code, errors: out.errors, warnings: out.warnings, shown: out.findings.length };
    };
    assert.deepEqual(await counts(), { code: 1, errors: 2, warnings: 1, shown: 3 });
    assert.deepEqual(await counts('--quiet'), { code: 1, errors: 2, warnings: 0, shown: 2 });

    // Failing on `unreadable` only (the site has no unreadable image): the three copies are warnings.
    const warnOnly = ['check', '--fail-on', 'unreadable'];
    assert.equal((await runCli(dir.path, ...warnOnly)).code, 0, 'warnings alone do not fail');
    assert.equal((await runCli(dir.path, ...warnOnly, '--max-warnings', '3')).code, 0);
    assert.equal((await runCli(dir.path, ...warnOnly, '--max-warnings', '2')).code, 1);
    const quiet = await runCli(dir.path, ...warnOnly, '--max-warnings', '0', '--quiet');
    assert.equal(quiet.code, 0, 'quiet warnings are not counted');
    assert.equal(quiet.stdout, 'No new duplicate images.\n');
    const bad = await runCli(dir.path, 'check', '--max-warnings', 'many');
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'doublon: --max-warnings: expected an integer of -1 (no limit) or more, received "many"\n');
  });
});
