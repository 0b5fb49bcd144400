/**
 * The CLI's decoding commands run in a child started with the allocator settings (protocol/allocator.ts,
 * daemon/cli/relaunch.ts): which commands, what the child sees, and that exit codes and output pass through.
 * A preload script (node --require, passed on to the child with the other Node options) records the
 * environment of every process the command runs in.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanReport } from '../../protocol/report';
import { ALLOCATOR_ENV, withAllocatorSettings, YOUNG_GENERATION_OPTION } from '../../protocol/allocator';
import { relaunchEnv } from '../../daemon/cli/relaunch';
import { tempDir } from '../fixtures/images';
import { BIN } from '../helpers/cli';
import { writeBasicSite } from '../helpers/site';

describe('the CLI relaunched with allocator settings', function () {
  this.timeout(60_000);

  describe('relaunchEnv', () => {
    const argv = (...args: string[]): string[] => ['node', BIN, ...args];

    it('relaunches the commands that decode, on Linux, when the settings are missing', () => {
      for (const command of ['scan', 'check', 'publish', 'replace']) {
        const env = relaunchEnv(argv(command, '--json'), { PATH: '/bin' }, 'linux');
        assert.deepEqual(env, { ...ALLOCATOR_ENV, NODE_OPTIONS: YOUNG_GENERATION_OPTION, PATH: '/bin' }, command);
      }
      assert.ok(relaunchEnv(argv('--no-color', 'scan'), {}, 'linux'), 'options before the command');
    });

    it('leaves the other commands, other systems and a user’s own settings alone', () => {
      for (const args of [['daemon', 'start', '--foreground'], ['lsp'], ['serve'], ['undo'], ['--version'], []])
        assert.equal(relaunchEnv(argv(...args), {}, 'linux'), undefined, args.join(' '));
      assert.equal(relaunchEnv(argv('scan'), {}, 'darwin'), undefined);
      const own = { MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '65536', NODE_OPTIONS: '--require x.js --max-semi-space-size=8' };
      assert.equal(relaunchEnv(argv('scan'), own, 'linux'), undefined);
    });

    it('adds what a user left out, keeping what they set', () => {
      assert.deepEqual(withAllocatorSettings({ MALLOC_ARENA_MAX: '8' }), {
        MALLOC_ARENA_MAX: '8',
        MALLOC_MMAP_THRESHOLD_: ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_,
        NODE_OPTIONS: YOUNG_GENERATION_OPTION,
      });
      assert.equal(ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_, String(16 * 1024 * 1024));
      assert.deepEqual(withAllocatorSettings({ NODE_OPTIONS: '--require x.js' }), {
        ...ALLOCATOR_ENV,
        NODE_OPTIONS: `--require x.js ${YOUNG_GENERATION_OPTION}`,
      });
      // A name that only starts like the option is not it.
      assert.equal(
        withAllocatorSettings({ ...ALLOCATOR_ENV, NODE_OPTIONS: '--max-semi-space-sizes=1' })?.NODE_OPTIONS,
        `--max-semi-space-sizes=1 ${YOUNG_GENERATION_OPTION}`,
      );
    });
  });

  describe('bin/doublon.js', () => {
    const dir = tempDir('doublon-relaunch-');
    const probe = path.join(dir.path, 'probe.cjs');
    const log = path.join(dir.path, 'processes.log');
    const site = path.join(dir.path, 'site');

    before(async () => {
      fs.writeFileSync(
        probe,
        `require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify({ pid: process.pid, ppid: process.ppid, arenas: process.env.MALLOC_ARENA_MAX ?? null, mmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, nodeOptions: process.env.NODE_OPTIONS ?? null }) + '\\n');\n`,
      );
      fs.mkdirSync(site);
      await writeBasicSite(site);
    });
    after(() => dir.cleanup());

    function run(
      env: NodeJS.ProcessEnv,
      ...args: string[]
    ): {
      code: number | null;
      stdout: string;
      processes: { pid: number; ppid: number; arenas: string | null; mmapThreshold: string | null; nodeOptions: string | null }[];
    } {
      fs.rmSync(log, { force: true });
      const clean = { ...process.env };
      for (const name of [...Object.keys(ALLOCATOR_ENV), 'NODE_OPTIONS']) delete clean[name];
      const result = spawnSync(process.execPath, ['--require', probe, BIN, ...args], {
        cwd: site,
        encoding: 'utf8',
        env: { ...clean, ...env },
        timeout: 60_000,
      });
      const processes = fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
        : [];
      return { code: result.status, stdout: result.stdout, processes };
    }

    it('scans in a child that has the settings, with the same report', () => {
      const relaunched = run({}, 'scan', '--no-daemon', '--json', '--no-progress');
      assert.equal(relaunched.code, 0);
      assert.equal(relaunched.processes.length, 2, JSON.stringify(relaunched.processes));
      const [parent, child] = relaunched.processes;
      assert.equal(child.ppid, parent.pid);
      assert.equal(parent.arenas, null);
      assert.equal(child.arenas, ALLOCATOR_ENV.MALLOC_ARENA_MAX);
      assert.equal(parent.mmapThreshold, null);
      assert.equal(child.mmapThreshold, ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_);
      assert.equal(parent.nodeOptions, null);
      assert.equal(child.nodeOptions, YOUNG_GENERATION_OPTION);

      const direct = run(
        { MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '65536', NODE_OPTIONS: '--max-semi-space-size=8' },
        'scan',
        '--no-daemon',
        '--json',
        '--no-progress',
      );
      assert.equal(direct.code, 0);
      assert.deepEqual(
        direct.processes.map((p) => [p.arenas, p.nodeOptions]),
        [['4', '--max-semi-space-size=8']],
        'a user’s settings: no relaunch',
      );
      const groups = (stdout: string): unknown => (JSON.parse(stdout) as ScanReport).groups;
      assert.ok((groups(relaunched.stdout) as unknown[]).length > 0);
      assert.deepEqual(groups(relaunched.stdout), groups(direct.stdout));
    });

    it('exits with the child’s code', () => {
      const result = run({}, 'scan', '--no-daemon', path.join(dir.path, 'missing'));
      assert.equal(result.code, 2);
      assert.equal(result.processes.length, 2);
    });

    it('runs a scan whose child crashed (SIGSEGV) once more, and passes a second crash on', () => {
      // A preload that kills the relaunched child (it has the settings) by SIGSEGV, the first `times` times:
      // what LMDB does on some damaged pages, past any code's reach.
      const crashes = path.join(dir.path, 'crashes');
      const crasher = path.join(dir.path, 'crash.cjs');
      const crashing = (times: number): { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } => {
        fs.rmSync(crashes, { force: true });
        fs.writeFileSync(
          crasher,
          `const fs = require('node:fs');
if (process.env.MALLOC_ARENA_MAX && (fs.existsSync(${JSON.stringify(crashes)}) ? fs.readFileSync(${JSON.stringify(crashes)}, 'utf8').length : 0) < ${times}) {
  fs.appendFileSync(${JSON.stringify(crashes)}, 'x');
  process.kill(process.pid, 'SIGSEGV');
}
`,
        );
        const clean = { ...process.env };
        for (const name of Object.keys(ALLOCATOR_ENV)) delete clean[name];
        const result = spawnSync(process.execPath, ['--require', crasher, BIN, 'scan', '--no-daemon', '--json', '--no-progress'], {
          cwd: site,
          encoding: 'utf8',
          env: clean,
          timeout: 60_000,
        });
        return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
      };
      const once = crashing(1);
      assert.equal(once.signal, null, once.stderr);
      assert.equal(once.code, 0, once.stderr);
      assert.ok((JSON.parse(once.stdout) as ScanReport).groups.length > 0, 'one report');
      assert.match(once.stderr, /^doublon: the scan crashed \(signal SIGSEGV\), likely on a damaged index: running it once more/m);
      // The second run did not open the index the first one crashed in: it set it aside, whole.
      assert.match(
        once.stderr,
        /^doublon: the index was set aside after the previous run crashed in it \(signal SIGSEGV\); it was moved to .*damaged-/m,
      );
      const aside = fs.readdirSync(path.join(site, '.doublon')).filter((name) => name.startsWith('damaged-'));
      assert.equal(aside.length, 1);
      assert.ok(fs.existsSync(path.join(site, '.doublon', aside[0], 'data.mdb')));
      const twice = crashing(2);
      assert.equal(twice.signal, 'SIGSEGV', 'a second crash is not hidden');
      assert.equal(twice.stdout, '');
    });

    it('runs the other commands in one process', () => {
      const result = run({}, '--version');
      assert.equal(result.code, 0);
      assert.equal(result.processes.length, 1);
    });
  });
});
