import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  GroupsRequest,
  GroupsChangedNotification,
  StatusRequest,
  FileInfoRequest,
  type GroupsChangedParams,
  type GroupsResult,
} from '../../protocol/methods';
import { RpcErrorCodes } from '../../protocol/errors';
import { makePhoto, tempDir } from '../fixtures/images';
import { write, writeBasicSite } from '../helpers/site';
import { copyInto, startDaemonProcess, waitFor, type DaemonHandle } from '../helpers/daemon';

/** The same live cases with native file events and with polling (the fallback when inotify fails). */
for (const mode of ['native', 'polling'] as const) {
  describe(`daemon, live (${mode} watching)`, function () {
    this.timeout(60_000);
    let dir: { path: string; cleanup(): void };
    let root: string;
    let daemon: DaemonHandle;
    let editor: MessageConnection;
    let changes: GroupsChangedParams[];

    before(async () => {
      dir = tempDir('doublon-live-');
      root = path.join(dir.path, 'site');
      await writeBasicSite(root);
      daemon = await startDaemonProcess(root, path.join(dir.path, 'index'), { poll: mode === 'polling' });
      await daemon.idle();
      editor = await daemon.connect();
      changes = [];
      editor.onNotification(GroupsChangedNotification.type, (params: GroupsChangedParams) => {
        changes.push(params);
      });
    });
    after(async () => {
      await daemon?.stop();
      dir?.cleanup();
    });

    const groups = async (): Promise<GroupsResult> => editor.sendRequest(GroupsRequest.type, {});
    const membersOf = (result: GroupsResult): string[][] => result.groups.map((g) => g.members.map((m) => m.path).sort());

    it('serves the groups of the initial scan over the socket', async () => {
      const result = await groups();
      assert.deepEqual(membersOf(result), [
        ['assets/photo-a.png', 'copies/photo-a-small.jpg', 'copies/photo-a-z9.png', 'copies/photo-a.png'],
      ]);
      const status = await editor.sendRequest(StatusRequest.type);
      assert.equal(status.state, 'idle');
      assert.equal(status.files, 7);
      assert.equal(status.watcher.mode, mode);
    });

    it('sees a copy dropped in (atomic rename) and notifies', async () => {
      const before = changes.length;
      const bytes = fs.readFileSync(path.join(root, 'assets/photo-b.png'));
      fs.writeFileSync(path.join(root, 'copies/.tmp-b'), bytes);
      fs.renameSync(path.join(root, 'copies/.tmp-b'), path.join(root, 'copies/photo-b-copy.png'));
      const note = await waitFor('a groupsChanged notification', () =>
        changes.slice(before).find((c) => c.changed.some((g) => g.members.some((m) => m.path === 'copies/photo-b-copy.png'))),
      );
      assert.ok(note.clock > note.since);
      assert.equal((await groups()).groups.length, 2);
    });

    it('sees an edited file', async () => {
      await write(root, 'copies/photo-b-copy.png', await makePhoto(77));
      await waitFor('the edited copy to leave its group', async () => (await groups()).groups.length === 1);
      const info = await editor.sendRequest(FileInfoRequest.type, { path: 'copies/photo-b-copy.png' });
      assert.equal(info.indexed, true);
      assert.equal(info.group, undefined);
    });

    it('sees a deletion and a rename', async () => {
      fs.unlinkSync(path.join(root, 'copies/photo-a.png'));
      fs.renameSync(path.join(root, 'copies/photo-a-z9.png'), path.join(root, 'copies/renamed.png'));
      await waitFor('the group to lose the deleted file and show the renamed one', async () => {
        const [group] = (await groups()).groups;
        return (
          group &&
          group.members
            .map((m) => m.path)
            .sort()
            .join() === 'assets/photo-a.png,copies/photo-a-small.jpg,copies/renamed.png'
        );
      });
    });

    it('sees a folder moved out and back in', async () => {
      fs.renameSync(path.join(root, 'copies'), path.join(dir.path, 'moved-out'));
      await waitFor('the group to vanish', async () => (await groups()).groups.length === 0);
      fs.renameSync(path.join(dir.path, 'moved-out'), path.join(root, 'copies-back'));
      await waitFor('the group to come back', async () => (await groups()).groups.length === 1);
    });

    it('settles a bulk change of hundreds of files into a few batches', async () => {
      const before = changes.length;
      for (let i = 0; i < 300; i++) copyInto(root, 'assets/photo-b.png', `bulk/b-${String(i).padStart(3, '0')}.png`);
      const result = await waitFor('300 copies in one group', async () => {
        const r = await groups();
        const big = r.groups.find((g) => g.members.length === 301);
        return big ? r : undefined;
      });
      assert.ok(result.groups.length >= 2);
      const notes = changes.length - before;
      assert.ok(notes < 60, `batched: ${notes} notifications for 300 files`);
    });

    it('refuses paths outside the roots', async () => {
      await assert.rejects(
        editor.sendRequest(FileInfoRequest.type, { path: '../../etc/passwd' }),
        (e: { code: number; message: string }) => e.code === RpcErrorCodes.PathOutsideRoots && /outside the watched roots/.test(e.message),
      );
      await assert.rejects(
        editor.sendRequest(FileInfoRequest.type, { path: '/etc/passwd' }),
        (e: { code: number }) => e.code === RpcErrorCodes.PathOutsideRoots,
      );
    });
  });
}
