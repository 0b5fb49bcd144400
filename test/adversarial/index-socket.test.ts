/**
 * The daemon's socket is never at a predictable path in a shared folder (issue 10, item 8). For an index
 * path of 100 bytes or more the socket used to be `<tmp>/doublon-<hash>.sock`: another local user who
 * listened there first kept the daemon from starting (and could have served a client in its place). It now
 * lives in `$XDG_RUNTIME_DIR/doublon/` or `<tmp>/doublon-<uid>/`, a 0700 folder that is checked.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempDir } from '../fixtures/images';
import { startDaemonProcess } from '../helpers/daemon';
import type { DaemonStatus } from '../../protocol/methods';
import { copyExampleSite, doublon, mode } from './index-helpers';

/** A site whose index path is over 100 bytes, so the socket cannot live inside the index. */
function deepSite(base: string): { site: string; indexDir: string } {
  const site = path.join(base, 'a-folder-name-long-enough-to-push', 'the-index-path-past-the-unix-socket-limit', 'site');
  copyExampleSite(site);
  const indexDir = path.join(site, '.doublon');
  assert.ok(Buffer.byteLength(path.join(indexDir, 'daemon.sock')) >= 100);
  return { site, indexDir };
}

function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of names) delete env[name];
  return env;
}

const uid = process.getuid?.() ?? 0;

describe('adversarial: the daemon socket lives in a private folder', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(() => (dir = tempDir('doublon-socket-')));
  afterEach(() => dir.cleanup());

  it('a listener planted at /tmp/doublon-<hash>.sock no longer blocks the daemon', async () => {
    const { site, indexDir } = deepSite(dir.path);
    const planted = path.join(os.tmpdir(), `doublon-${createHash('sha256').update(indexDir).digest('hex').slice(0, 16)}.sock`);
    const squatter = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(planted, resolve));
    let accepted = 0;
    squatter.on('connection', () => accepted++);
    try {
      const daemon = await startDaemonProcess(site, indexDir, { env: envWithout('XDG_RUNTIME_DIR') });
      try {
        const folder = path.dirname(daemon.info.socket);
        assert.notEqual(daemon.info.socket, planted);
        assert.equal(folder, path.join(os.tmpdir(), `doublon-${uid}`));
        assert.equal(mode(folder), '0700');
        assert.equal(mode(daemon.info.socket), '0600');
        const connection = await daemon.connect();
        const status = await connection.sendRequest<DaemonStatus>('doublon/status');
        assert.equal(status.pid, daemon.child.pid);
        assert.equal(accepted, 0, 'nothing reached the planted listener');
      } finally {
        await daemon.stop();
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('with XDG_RUNTIME_DIR the socket is in $XDG_RUNTIME_DIR/doublon/ (0700), the socket 0600', async () => {
    const { site, indexDir } = deepSite(dir.path);
    const runtime = path.join(dir.path, 'run');
    fs.mkdirSync(runtime, { mode: 0o700 });
    const daemon = await startDaemonProcess(site, indexDir, { env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    try {
      assert.equal(path.dirname(daemon.info.socket), path.join(runtime, 'doublon'));
      assert.equal(mode(path.join(runtime, 'doublon')), '0700');
      assert.equal(mode(daemon.info.socket), '0600');
      await daemon.idle();
    } finally {
      await daemon.stop();
    }
  });

  it('a per-user folder with mode 0777 is refused with a clear message', () => {
    const { site, indexDir } = deepSite(dir.path);
    const tmp = path.join(dir.path, 'tmp');
    const folder = path.join(tmp, `doublon-${uid}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.chmodSync(folder, 0o777);
    const result = doublon(site, ['daemon', 'start', '--foreground', '--index', indexDir, site], {
      ...envWithout('XDG_RUNTIME_DIR'),
      TMPDIR: tmp,
    });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(
      result.stderr,
      `doublon: refusing to put the daemon's socket in ${folder}: its mode is 0777, expected 0700 (other users could reach or replace the socket). Remove it (or set XDG_RUNTIME_DIR to a private folder of yours) and start the daemon again.\n`,
    );
    assert.deepEqual(fs.readdirSync(folder), [], 'nothing was created in it');
  });

  it('a per-user folder owned by someone else (or a symlink to one) is refused with a clear message', () => {
    const { site, indexDir } = deepSite(dir.path);
    const tmp = path.join(dir.path, 'tmp');
    const folder = path.join(tmp, `doublon-${uid}`);
    fs.mkdirSync(tmp);
    let expected: string;
    if (uid === 0) {
      fs.mkdirSync(folder, { mode: 0o700 });
      fs.chownSync(folder, 65534, 65534);
      expected = `it belongs to uid 65534, not to you (uid 0), so its owner could intercept the daemon`;
    } else {
      // Without root no folder can be given away: a symlink to a folder of someone else is the same attack.
      fs.symlinkSync('/', folder);
      expected = 'it is a symbolic link, not a folder';
    }
    const result = doublon(site, ['daemon', 'start', '--foreground', '--index', indexDir, site], {
      ...envWithout('XDG_RUNTIME_DIR'),
      TMPDIR: tmp,
    });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(
      result.stderr,
      `doublon: refusing to put the daemon's socket in ${folder}: ${expected}. Remove it (or set XDG_RUNTIME_DIR to a private folder of yours) and start the daemon again.\n`,
    );
    assert.equal(fs.existsSync(path.join(indexDir, 'daemon.json')), false);
  });
});
