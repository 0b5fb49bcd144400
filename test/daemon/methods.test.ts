import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  FileInfoRequest,
  GroupRequest,
  GroupsRequest,
  IgnoreRequest,
  RescanRequest,
  SetCanonicalRequest,
  ShutdownRequest,
  StatusRequest,
  ReplacePlanRequest,
  UndoRequest,
  CAPABILITIES,
  PROTOCOL_VERSION,
} from '../../protocol/methods';
import { RpcErrorCodes } from '../../protocol/errors';
import { tempDir } from '../fixtures/images';
import { writeBasicSite } from '../helpers/site';
import { startDaemonProcess, waitFor, type DaemonHandle } from '../helpers/daemon';

/** Every doublon/* method through an independent client (vscode-jsonrpc over the local socket). */
describe('daemon, every method over the socket', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let daemon: DaemonHandle;
  let client: MessageConnection;

  before(async () => {
    dir = tempDir('doublon-methods-');
    root = path.join(dir.path, 'site');
    await writeBasicSite(root);
    daemon = await startDaemonProcess(root, path.join(dir.path, 'index'));
    await daemon.idle();
    client = await daemon.connect();
  });
  after(async () => {
    await daemon?.stop();
    dir?.cleanup();
  });

  it('status names the protocol version and capabilities', async () => {
    const status = await client.sendRequest(StatusRequest.type);
    assert.equal(status.protocolVersion, PROTOCOL_VERSION);
    assert.deepEqual(status.capabilities, CAPABILITIES);
    assert.equal(status.pid, daemon.child.pid);
  });

  it('groups pages and filters; group returns one; an unknown id is NotFound', async () => {
    const all = await client.sendRequest(GroupsRequest.type, {});
    assert.equal(all.total, 1);
    const near = await client.sendRequest(GroupsRequest.type, { class: ['near'] });
    assert.equal(near.total, 1);
    const exactOnly = await client.sendRequest(GroupsRequest.type, { class: ['exact'] });
    assert.equal(exactOnly.total, 0);
    const paged = await client.sendRequest(GroupsRequest.type, { offset: 1, limit: 1 });
    assert.deepEqual([paged.total, paged.groups.length], [1, 0]);
    const since = await client.sendRequest(GroupsRequest.type, { since: all.clock });
    assert.deepEqual([since.incremental, since.groups.length, since.removed], [true, 0, []]);
    const one = await client.sendRequest(GroupRequest.type, { id: all.groups[0].id });
    assert.deepEqual(one, all.groups[0]);
    await assert.rejects(client.sendRequest(GroupRequest.type, { id: 'nope' }), (e: { code: number }) => e.code === RpcErrorCodes.NotFound);
    await assert.rejects(
      client.sendRequest(GroupsRequest.type, { limit: 0 }),
      (e: { code: number; message: string }) =>
        e.code === RpcErrorCodes.InvalidParams && e.message === 'limit: expected an integer from 1 to 10000, received 0',
    );
  });

  it('fileInfo tells the group, class and canonical of a copy', async () => {
    const info = await client.sendRequest(FileInfoRequest.type, { path: 'copies/photo-a-small.jpg' });
    assert.deepEqual([info.indexed, info.format, info.width, info.class], [true, 'jpeg', 160, 'near']);
    assert.ok(info.canonical && info.group);
  });

  it('setCanonical pins a member, and the choice survives (rule preferred)', async () => {
    const group = await client.sendRequest(SetCanonicalRequest.type, { path: 'copies/photo-a-small.jpg' });
    assert.deepEqual([group.canonical, group.rule], ['copies/photo-a-small.jpg', 'preferred']);
  });

  it('ignore writes the config and the pair stops being reported', async () => {
    await client.sendRequest(IgnoreRequest.type, { paths: ['copies/photo-a-small.jpg'] });
    const config = JSON.parse(fs.readFileSync(path.join(root, 'doublon.config.json'), 'utf8')) as { ignore: unknown[] };
    assert.deepEqual(config.ignore, ['copies/photo-a-small.jpg']);
    const groups = await client.sendRequest(GroupsRequest.type, {});
    assert.ok(!groups.groups[0].members.some((m) => m.path === 'copies/photo-a-small.jpg'));
  });

  it('replacePlan answers with a plan (nothing referenced here: no edits); undo has nothing to undo', async () => {
    const plan = await client.sendRequest(ReplacePlanRequest.type, {});
    assert.deepEqual(plan.edits, []);
    await assert.rejects(client.sendRequest(UndoRequest.type, {}), (e: { code: number }) => e.code === RpcErrorCodes.NotFound);
  });

  it('rescan walks the roots again; shutdown stops the daemon cleanly', async () => {
    const rescan = await client.sendRequest(RescanRequest.type);
    assert.equal(rescan.files, 7);
    await client.sendRequest(ShutdownRequest.type);
    await waitFor('the daemon to exit', () => daemon.child.exitCode !== null);
    assert.equal(daemon.child.exitCode, 0);
  });
});
