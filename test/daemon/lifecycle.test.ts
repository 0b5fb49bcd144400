import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GroupsResult, DaemonStatus } from '../../protocol/methods';
import { readDaemonInfo } from '../../daemon/server/lifecycle';
import { makePhoto, tempDir } from '../fixtures/images';
import { runCli, spawnCli } from '../helpers/cli';
import { write, writeBasicSite } from '../helpers/site';
import { startDaemonProcess, waitFor } from '../helpers/daemon';

describe('daemon lifecycle', function () {
  this.timeout(90_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let index: string;
  beforeEach(async () => {
    dir = tempDir('doublon-life-');
    root = path.join(dir.path, 'site');
    index = path.join(dir.path, 'index');
    await writeBasicSite(root);
  });
  afterEach(() => dir.cleanup());

  it('publishes daemon.json (0600), refuses a second daemon, and cleans up on SIGTERM', async () => {
    const daemon = await startDaemonProcess(root, index);
    try {
      assert.equal(fs.statSync(path.join(index, 'daemon.json')).mode & 0o777, 0o600);
      const second = spawnCli(dir.path, {}, 'daemon', 'start', '--foreground', '--index', index, root);
      assert.equal(second.code, 2);
      assert.match(
        second.stderr,
        new RegExp(`a daemon already serves the index .*: pid ${daemon.info.pid}, socket .*, http://127\\.0\\.0\\.1:${daemon.info.port}`),
      );
    } finally {
      await daemon.stop();
    }
    assert.equal(daemon.child.exitCode, 0, daemon.log());
    assert.equal(fs.existsSync(path.join(index, 'daemon.json')), false);
    assert.equal(fs.existsSync(path.join(index, 'daemon.lock')), false);
  });

  it('applies --overrides (the editor settings) over the config, and rejects invalid ones', async () => {
    const daemon = await startDaemonProcess(root, index, {
      extraArgs: ['--overrides', JSON.stringify({ exclude: ['copies/*.jpg'], canonical: { preferred: ['copies/**'] } })],
    });
    try {
      await daemon.idle();
      const { groups } = await daemon.http.request<GroupsResult>('doublon/groups');
      assert.deepEqual(groups[0].members.map((m) => m.path).sort(), ['assets/photo-a.png', 'copies/photo-a-z9.png', 'copies/photo-a.png']);
      assert.ok(groups[0].canonical.startsWith('copies/'));
    } finally {
      await daemon.stop();
    }
    const bad = spawnCli(
      dir.path,
      {},
      'daemon',
      'start',
      '--foreground',
      '--index',
      index,
      '--overrides',
      '{"thresholds":{"nearSimilarity":3}}',
      root,
    );
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--overrides: invalid configuration\n {2}thresholds\.nearSimilarity: expected a number between 0\.5 and 1, received 3 \(number\)/,
    );
  });

  it('takes over the lock of a killed daemon, and finishes an interrupted scan', async () => {
    for (let i = 0; i < 40; i++) await write(root, `many/p${i}.png`, await makePhoto(100 + i, 480, 360));
    const first = await startDaemonProcess(root, index);
    await waitFor(
      'the scan to be under way',
      async () => ((await first.http.request<DaemonStatus>('doublon/status')).progress?.done ?? 0) > 0 || undefined,
    );
    await first.kill();
    assert.ok(fs.existsSync(path.join(index, 'daemon.lock')), 'kill -9 leaves its lock behind');

    const second = await startDaemonProcess(root, index);
    try {
      const status = await second.idle();
      assert.equal(status.files, 47);
      const result = await second.http.request<GroupsResult>('doublon/groups');
      assert.equal(result.groups.length, 1);
      assert.equal(result.groups[0].members.length, 4);
    } finally {
      await second.stop();
    }
  });

  it('daemon start/status/stop from the CLI, and scan answered by the daemon', async () => {
    assert.equal(spawnCli(dir.path, {}, 'daemon', 'status', '--index', index).code, 3);
    const start = spawnCli(dir.path, {}, 'daemon', 'start', '--index', index, root);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /^started the daemon: pid \d+/);
    const pid = readDaemonInfo(index)!.pid;
    try {
      const again = spawnCli(dir.path, {}, 'daemon', 'start', '--index', index, root);
      assert.match(again.stdout, new RegExp(`^a daemon already runs for this index: pid ${pid}`));
      const status = spawnCli(dir.path, {}, 'daemon', 'status', '--index', index, '--json');
      assert.equal(status.code, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as DaemonStatus).pid, pid);

      const viaDaemon = await runCli(dir.path, 'scan', '--index', index, 'site');
      assert.match(viaDaemon.stdout, /Answered by the running daemon\./);
      const local = await runCli(dir.path, 'scan', '--json', '--no-daemon', '--index', path.join(dir.path, 'other-index'), 'site');
      const remote = await runCli(dir.path, 'scan', '--json', '--index', index, 'site');
      assert.deepEqual(JSON.parse(remote.stdout), JSON.parse(local.stdout), 'the daemon and a local scan agree');
    } finally {
      const stop = spawnCli(dir.path, {}, 'daemon', 'stop', '--index', index);
      assert.equal(stop.stdout, `stopped the daemon (pid ${pid})\n`);
    }
    assert.equal(fs.existsSync(path.join(index, 'daemon.json')), false);
  });
});
