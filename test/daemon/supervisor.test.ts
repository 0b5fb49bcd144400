import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DaemonStatus } from '../../protocol/methods';
import { ALLOCATOR_ENV, YOUNG_GENERATION_OPTION } from '../../protocol/allocator';
import { processAlive, readDaemonInfo, type DaemonInfo } from '../../protocol/discovery';
import { DaemonClient } from '../../daemon/cli/client';
import { superviseDaemon } from '../../daemon/process/supervisor';
import { tempDir } from '../fixtures/images';
import { spawnCli } from '../helpers/cli';
import { writeBasicSite } from '../helpers/site';
import { waitFor } from '../helpers/wait';

describe('daemon supervisor (a crashed daemon is started again)', function () {
  this.timeout(90_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let index: string;
  beforeEach(async () => {
    dir = tempDir('doublon-supervisor-');
    root = path.join(dir.path, 'site');
    index = path.join(dir.path, 'index');
    await writeBasicSite(root);
  });
  afterEach(() => dir.cleanup());

  it('starts a background daemon again after a crash (SIGSEGV), which says so; stop ends it and its supervisor', async () => {
    const start = spawnCli(dir.path, {}, 'daemon', 'start', '--index', index, root);
    assert.equal(start.code, 0, start.stderr);
    const first = readDaemonInfo(index)!;
    const supervisor = first.supervisor;
    const idle = (info: DaemonInfo): Promise<DaemonStatus> =>
      waitFor('the daemon to be idle', async () => {
        const status = await new DaemonClient(info).request<DaemonStatus>('doublon/status');
        return status.state === 'idle' ? status : undefined;
      });
    /** The daemon runs with the allocator settings (protocol/allocator.ts), and so does one started again. */
    const assertAllocatorSettings = (pid: number): void => {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      for (const [name, value] of Object.entries(ALLOCATOR_ENV)) assert.ok(environ.includes(`${name}=${value}`), `${name} of ${pid}`);
      const nodeOptions = environ.find((entry) => entry.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '';
      assert.ok(nodeOptions.split(/\s+/).includes(YOUNG_GENERATION_OPTION), `${pid}: ${nodeOptions}`);
    };
    let stopped = false;
    try {
      assert.ok(supervisor !== undefined && supervisor !== first.pid, JSON.stringify(first));
      assertAllocatorSettings(first.pid);
      const before = await idle(first);
      assert.ok(before.groups > 0);
      assert.equal(before.indexNotices, undefined);

      process.kill(first.pid, 'SIGSEGV');
      const second = await waitFor(
        'a daemon started again',
        () => {
          const info = readDaemonInfo(index);
          return info && info.pid !== first.pid && processAlive(info.pid) ? info : undefined;
        },
        30_000,
      );
      assert.equal(second.supervisor, supervisor);
      assertAllocatorSettings(second.pid);
      const after = await idle(second);
      assert.equal(after.groups, before.groups);
      assert.match((after.indexNotices ?? []).join('\n'), /started again after it crashed \(signal SIGSEGV at /);
      const log = fs.readFileSync(path.join(index, 'daemon.log'), 'utf8');
      assert.match(log, new RegExp(`the daemon \\(pid ${first.pid}\\) crashed \\(signal SIGSEGV\\): starting it again in 1 s`));
      const status = spawnCli(dir.path, {}, 'daemon', 'status', '--index', index);
      assert.match(status.stdout, /note: +the daemon was started again after it crashed/);

      const stop = spawnCli(dir.path, {}, 'daemon', 'stop', '--index', index);
      assert.equal(stop.stdout, `stopped the daemon (pid ${second.pid})\n`);
      stopped = true;
      assert.equal(processAlive(supervisor), false, 'the supervisor ends with the daemon it supervised');
      assert.equal(fs.existsSync(path.join(index, 'daemon.json')), false);
    } finally {
      if (!stopped) spawnCli(dir.path, {}, 'daemon', 'stop', '--index', index);
      if (supervisor !== undefined && processAlive(supervisor)) process.kill(supervisor, 'SIGTERM');
    }
  });

  it('gives up on a process that crashes at every start, after its restarts within the window', async () => {
    const starts = path.join(dir.path, 'starts');
    const crash = `require('fs').appendFileSync(${JSON.stringify(starts)}, 'x'); process.kill(process.pid, 'SIGSEGV')`;
    const logged: string[] = [];
    const code = await superviseDaemon({ node: process.execPath, args: ['-e', crash], indexDir: index }, (line) => logged.push(line), {
      maxRestarts: 2,
      windowMs: 60_000,
      firstDelayMs: 10,
    });
    assert.equal(code, 1);
    assert.equal(fs.readFileSync(starts, 'utf8'), 'xxx', 'the first start and 2 restarts');
    assert.match(logged[0], /crashed \(signal SIGSEGV\): starting it again in 0\.01 s \(restart 1 of at most 2 within 1 min\)/);
    assert.match(logged.at(-1)!, /crashed \(signal SIGSEGV\) 3 times within 1 min: not starting it again/);
  });

  it('does not restart a process that fails before it serves (a lost start race, a bad configuration)', async () => {
    const starts = path.join(dir.path, 'starts');
    const fail = `require('fs').appendFileSync(${JSON.stringify(starts)}, 'x'); process.exit(2)`;
    const logged: string[] = [];
    const code = await superviseDaemon({ node: process.execPath, args: ['-e', fail], indexDir: index }, (line) => logged.push(line));
    assert.equal(code, 2);
    assert.equal(fs.readFileSync(starts, 'utf8'), 'x');
    assert.deepEqual(logged, []);
  });
});
