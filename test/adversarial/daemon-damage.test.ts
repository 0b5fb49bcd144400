/**
 * A damaged index met by the long-lived daemon after open (the rule: "a damaged index is rebuilt, never a
 * crash; every request has a bound"). A real daemon process on a real damaged index: a page the check at
 * open passes (test/fixtures/damaged-index/read-error, the CLI's case), or the daemon's own data.mdb
 * overwritten under it while it runs. The daemon must move the store aside, rebuild it from the files, say
 * so (log, `doublon/status`), answer the requests, and answer the next ones right.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { tempDir } from '../fixtures/images';
import { startDaemonProcess, waitFor, type DaemonHandle } from '../helpers/daemon';
import type { DaemonStatus, GroupsResult } from '../../protocol/methods';
import { copyExampleSite, groupsOf, scanJson } from './index-helpers';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/damaged-index/read-error.data.mdb.gz');

function damagedFolders(site: string): string[] {
  return fs.readdirSync(path.join(site, '.doublon')).filter((name) => name.startsWith('damaged-'));
}

/** The group count of a fresh scan of the example site, by the CLI. */
function freshGroupCount(): number {
  const dir = tempDir('doublon-daemon-damage-fresh-');
  try {
    copyExampleSite(dir.path);
    return groupsOf(scanJson(dir.path).report).length;
  } finally {
    dir.cleanup();
  }
}

/** Waits for the daemon to be idle with a notice, then checks what it serves and says. */
async function expectRecovered(daemon: DaemonHandle, site: string, fresh: number): Promise<DaemonStatus> {
  let last: unknown;
  const status = await waitFor(
    'the daemon to be idle after the recovery',
    async () => {
      const s = await daemon.http.request<DaemonStatus>('doublon/status').catch((error: unknown) => {
        last = error instanceof Error ? error.message : error;
        throw error;
      });
      last = s;
      return s.state === 'idle' && (s.indexNotices?.length ?? 0) > 0 ? s : undefined;
    },
    60_000,
  ).catch((error: unknown) => {
    const exit = daemon.child.exitCode ?? daemon.child.signalCode;
    throw new Error(`${(error as Error).message}\nlast status: ${JSON.stringify(last)}\nexit: ${exit}\nlog:\n${daemon.log()}`);
  });
  assert.match(
    status.indexNotices?.join('\n') ?? '',
    /the image index was damaged \(.+\); it was moved to .*damaged-.* and rebuilt from the files/,
  );
  assert.match(daemon.log(), /the image index was damaged \(.+\); it was moved to .* and rebuilt from the files/);
  assert.doesNotMatch(daemon.log(), /\n\s+at /, `no stack trace in the log:\n${daemon.log()}`);
  assert.equal(damagedFolders(site).length, 1, damagedFolders(site).join(', '));
  const groups = await daemon.http.request<GroupsResult>('doublon/groups', { limit: 10_000 });
  assert.equal(groups.total, fresh, 'the groups of a fresh scan');
  // The next requests are right: a rescan finds nothing more to move aside.
  await daemon.http.request('doublon/rescan');
  const again = await daemon.http.request<GroupsResult>('doublon/groups', { limit: 10_000 });
  assert.equal(again.total, fresh);
  assert.equal(damagedFolders(site).length, 1);
  assert.equal(daemon.child.exitCode, null, 'the daemon still runs');
  return status;
}

describe('adversarial: a damaged index met by the running daemon is moved aside and rebuilt', function () {
  this.timeout(180_000);
  let fresh: number;

  before(() => {
    fresh = freshGroupCount();
    assert.ok(fresh > 0, 'the example site has duplicates');
  });

  it('a damaged page the check at open passes (the read-error fixture): the daemon rebuilds and serves', async () => {
    const dir = tempDir('doublon-daemon-damage-read-');
    try {
      const site = path.join(dir.path, 'site');
      copyExampleSite(site);
      fs.mkdirSync(path.join(site, '.doublon'));
      fs.writeFileSync(path.join(site, '.doublon', 'data.mdb'), zlib.gunzipSync(fs.readFileSync(FIXTURE)));
      const daemon = await startDaemonProcess(site, path.join(site, '.doublon'));
      try {
        const status = await expectRecovered(daemon, site, fresh);
        assert.match(status.indexNotices?.join('\n') ?? '', /while the daemon read it/);
      } finally {
        await daemon.stop();
      }
    } finally {
      dir.cleanup();
    }
  });

  it("the daemon's data.mdb overwritten while it runs: the next rescan rebuilds it, the daemon keeps serving", async () => {
    const dir = tempDir('doublon-daemon-damage-live-');
    try {
      const site = path.join(dir.path, 'site');
      copyExampleSite(site);
      const daemon = await startDaemonProcess(site, path.join(site, '.doublon'));
      try {
        const before = await daemon.idle();
        assert.equal(before.indexNotices, undefined);
        // In place (same inode, the daemon's map sees it): the damaged layout of the fixture, whose pages
        // point where this index has none.
        const live = path.join(site, '.doublon', 'data.mdb');
        const damaged = zlib.gunzipSync(fs.readFileSync(FIXTURE));
        const fd = fs.openSync(live, 'r+');
        try {
          fs.writeSync(fd, damaged, 0, damaged.length, 0);
        } finally {
          fs.closeSync(fd);
        }
        // The request that meets the damage may fail; it must be answered, and the daemon recover.
        await daemon.http.request('doublon/rescan').catch((error: unknown) => error);
        await expectRecovered(daemon, site, fresh);
      } finally {
        await daemon.stop();
      }
    } finally {
      dir.cleanup();
    }
  });
});
