import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReplaceApplyResult, ReplacePlanResult, GroupsResult } from '../../protocol/methods';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import { tempDir } from '../fixtures/images';
import { write, writeBasicSite } from '../helpers/site';
import { startDaemonProcess, waitFor, type DaemonHandle } from '../helpers/daemon';

describe('daemon, replace over JSON-RPC (what the dashboard calls)', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let daemon: DaemonHandle;

  beforeEach(async () => {
    dir = tempDir('doublon-dreplace-');
    root = path.join(dir.path, 'site');
    await writeBasicSite(root);
    await write(root, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
    await write(root, 'index.html', '<img src="copies/photo-a.png" alt="a">\n<img src="copies/photo-a-z9.png" alt="b">\n');
    daemon = await startDaemonProcess(root, path.join(dir.path, 'index'));
    await daemon.idle();
  });
  afterEach(async () => {
    await daemon?.stop();
    dir?.cleanup();
  });

  it('plans, applies, and undoes; the watcher sees the result', async () => {
    const plan = await daemon.http.request<ReplacePlanResult>('doublon/replacePlan', { delete: true });
    assert.deepEqual(
      plan.edits.map((e) => [e.path, e.oldText, e.newText]),
      [
        ['index.html', 'copies/photo-a.png', 'assets/photo-a.png'],
        ['index.html', 'copies/photo-a-z9.png', 'assets/photo-a.png'],
      ],
    );
    assert.deepEqual(plan.removals.map((r) => r.path).sort(), ['copies/photo-a-z9.png', 'copies/photo-a.png']);
    assert.ok(fs.existsSync(path.join(root, 'copies/photo-a.png')), 'a plan changes nothing');

    const applied = await daemon.http.request<ReplaceApplyResult>('doublon/replaceApply', { plan: plan.plan });
    assert.deepEqual([applied.filesWritten, applied.editsApplied, applied.removed], [1, 2, 2]);
    assert.equal(
      fs.readFileSync(path.join(root, 'index.html'), 'utf8'),
      '<img src="assets/photo-a.png" alt="a">\n<img src="assets/photo-a.png" alt="b">\n',
    );
    await waitFor('the group to shrink to the canonical and its near copy', async () => {
      const { groups } = await daemon.http.request<GroupsResult>('doublon/groups');
      return groups.length === 1 && groups[0].members.length === 2;
    });

    const undone = await daemon.http.request<{ restored: number; movedBack: number }>('doublon/undo');
    assert.deepEqual([undone.restored, undone.movedBack], [1, 2]);
    assert.ok(fs.existsSync(path.join(root, 'copies/photo-a.png')));
  });

  it('refuses a plan whose source changed since (Stale), and writes nothing', async () => {
    const plan = await daemon.http.request<ReplacePlanResult>('doublon/replacePlan', {});
    fs.appendFileSync(path.join(root, 'index.html'), '<!-- edited -->\n');
    await assert.rejects(
      daemon.http.request('doublon/replaceApply', { plan: plan.plan }),
      (e: unknown) =>
        e instanceof RpcError && e.code === RpcErrorCodes.Stale && /index\.html changed since the plan was made/.test(e.message),
    );
    assert.match(fs.readFileSync(path.join(root, 'index.html'), 'utf8'), /copies\/photo-a\.png/);
  });
});
