import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../daemon/config/load';
import { ensureDaemon, stopDaemon } from '../../daemon/cli/daemon-command';
import { DaemonStartError, findRunningDaemon, processAlive, startDaemonProcess } from '../../protocol/discovery';
import { StatusRequest } from '../../protocol/methods';
import { DaemonClient } from '../../daemon/cli/client';
import { tempDir } from '../fixtures/images';
import { writeBasicSite } from '../helpers/site';

/**
 * protocol/discovery.ts with real daemon processes: what the CLI and the extension share to find a daemon
 * and start one, a lost start race included.
 */
describe('daemon discovery (protocol/discovery.ts)', function () {
  this.timeout(90_000);
  let dir: { path: string; cleanup(): void };
  let root: string;

  beforeEach(async () => {
    dir = tempDir('doublon-discovery-');
    root = path.join(dir.path, 'site');
    await writeBasicSite(root);
  });
  afterEach(() => dir.cleanup());

  it('two clients starting a daemon at once both get the one that won the lock', async () => {
    const config = loadConfig({ cwd: root, roots: [root], indexDir: path.join(dir.path, 'index') });
    assert.equal(await findRunningDaemon(config.indexDir), undefined);
    const [a, b] = await Promise.all([ensureDaemon(config), ensureDaemon(config)]);
    try {
      assert.equal(a.info.pid, b.info.pid, 'one daemon serves both');
      assert.equal([a.started, b.started].filter(Boolean).length, 1, 'exactly one of them started it');
      const status = await new DaemonClient(a.info).send(StatusRequest.type);
      assert.equal(status.pid, a.info.pid);
      const again = await ensureDaemon(config);
      assert.deepEqual(
        { pid: again.info.pid, started: again.started },
        { pid: a.info.pid, started: false },
        'a third client finds it running',
      );
    } finally {
      const stopped = await stopDaemon(config);
      assert.equal(stopped?.pid, a.info.pid);
    }
    assert.equal(processAlive(a.info.pid), false);
    assert.equal(await findRunningDaemon(config.indexDir), undefined);
  });

  it('a daemon that exits before it serves is an error with the last lines of its log', async () => {
    const indexDir = path.join(dir.path, 'index');
    const script = 'console.error("cannot start: the index is on fire"); process.exit(3)';
    await assert.rejects(
      startDaemonProcess(indexDir, { node: process.execPath, args: ['-e', script], cwd: root }, 20_000),
      (error: unknown) => {
        assert.ok(error instanceof DaemonStartError);
        assert.match(error.message, /the daemon exited \(code 3\) before it was ready:\ncannot start: the index is on fire/);
        assert.equal(error.logFile, path.join(indexDir, 'daemon.log'));
        return true;
      },
    );
    assert.equal(fs.statSync(indexDir).mode & 0o777, 0o700, 'the index folder is created private');
  });

  it('an executable that does not exist is named', async () => {
    const missing = path.join(dir.path, 'no-node');
    await assert.rejects(
      startDaemonProcess(path.join(dir.path, 'index'), { node: missing, args: [], cwd: root }, 20_000),
      (error: unknown) => error instanceof DaemonStartError && error.message.startsWith(`cannot run ${missing}: no such file`),
    );
  });
});
