import { pathToFileURL } from 'node:url';
/**
 * A hostile local client holds the token and sends hand-made plans: edits and removals of files outside the
 * roots (a `../` path, an absolute path, a link inside the roots pointing out), a plan the daemon issued with
 * a path swapped, a journal planted for undo. Each is refused on every transport — HTTP, the local socket and
 * the `doublon lsp` stdio bridge — and the files outside stay byte for byte as they were.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ReplacePlanResult } from '../../protocol/methods';
import { RpcErrorCodes } from '../../protocol/errors';
import { tempDir } from '../fixtures/images';
import { BIN } from '../helpers/cli';
import { write, writeBasicSite } from '../helpers/site';
import { startDaemonProcess, type DaemonHandle } from '../helpers/daemon';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A JSON-RPC call on one transport; resolves to the error code, or fails the test if the call succeeded. */
type Transport = (method: string, params: unknown) => Promise<unknown>;

async function errorCodeOf(call: Promise<unknown>): Promise<number> {
  try {
    const result = await call;
    assert.fail(`the call succeeded: ${JSON.stringify(result)}`);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    const code = (error as { code?: unknown }).code;
    assert.equal(typeof code, 'number', `not a JSON-RPC error: ${String(error)}`);
    return code as number;
  }
}

describe('adversarial: plans naming files outside the roots (replaceApply, undo) on every transport', function () {
  this.timeout(90_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let outside: string;
  let indexDir: string;
  let daemon: DaemonHandle;
  let bridge: ChildProcess | undefined;
  const connections: MessageConnection[] = [];
  const victims: Record<string, string> = {};

  before(async () => {
    dir = tempDir('dbl-adv-');
    root = path.join(dir.path, 'site');
    outside = path.join(dir.path, 'outside');
    indexDir = path.join(dir.path, 'index');
    await writeBasicSite(root);
    await write(root, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
    await write(root, 'index.html', '<img src="copies/photo-a.png" alt="a">\n');
    await write(outside, 'victim.txt', 'copies/photo-a.png must stay\n');
    await write(outside, 'victim.html', '<img src="../site/copies/photo-a.png">\n');
    fs.copyFileSync(path.join(root, 'copies/photo-a.png'), path.join(outside, 'victim.png'));
    fs.symlinkSync(path.join(outside, 'victim.html'), path.join(root, 'linked.html'));
    fs.symlinkSync(outside, path.join(root, 'out')); // a folder link: out/victim.png is outside once resolved
    for (const name of fs.readdirSync(outside)) victims[name] = sha(path.join(outside, name));
    daemon = await startDaemonProcess(root, indexDir);
    await daemon.idle();
  });
  after(async () => {
    connections.forEach((c) => c.dispose());
    bridge?.kill();
    await daemon?.stop();
    dir?.cleanup();
  });

  const transports: Record<string, () => Promise<Transport>> = {
    http: async () => (method, params) => daemon.http.request(method, params as Record<string, unknown>),
    socket: async () => {
      const connection = await daemon.connect();
      return (method, params) => connection.sendRequest(method, params);
    },
    'lsp bridge': async () => {
      bridge = spawn(process.execPath, [BIN, 'lsp', '--index', indexDir, root], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
      const connection = createMessageConnection(new StreamMessageReader(bridge.stdout!), new StreamMessageWriter(bridge.stdin!));
      connection.listen();
      connections.push(connection);
      // An LSP client initializes first (the bridge answers -32002 before that).
      await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {} });
      await connection.sendNotification('initialized', {});
      return (method, params) => connection.sendRequest(method, params);
    },
  };

  /** A plan that edits `file` (its current text, one edit) and removes `image`, as a client could write it. */
  function handMade(file: string | undefined, image: string | undefined): Record<string, unknown> {
    const text = file ? fs.readFileSync(file, 'utf8') : '';
    const at = text.indexOf('copies/photo-a.png');
    return {
      version: 1,
      createdAt: new Date().toISOString(),
      base: root,
      classes: ['exact'],
      delete: true,
      canonicals: [],
      files: file
        ? [
            {
              path: file,
              sha256: sha(file),
              encoding: 'utf8',
              bom: false,
              edits: [
                {
                  start: at,
                  end: at + 18,
                  range: { start: { line: 0, character: at }, end: { line: 0, character: at + 18 } },
                  oldText: 'copies/photo-a.png',
                  newText: 'PWNED',
                  kind: 'html-attr',
                  from: path.join(root, 'copies/photo-a.png'),
                  to: path.join(root, 'assets/photo-a.png'),
                  groupId: 'x',
                },
              ],
            },
          ]
        : [],
      removals: image
        ? [
            {
              path: image,
              sha256: sha(image),
              bytes: fs.statSync(image).size,
              groupId: 'x',
              canonical: path.join(root, 'assets/photo-a.png'),
            },
          ]
        : [],
      bytesReclaimed: 0,
      skipped: [],
      unresolvedMentions: [],
    };
  }

  function assertVictimsIntact(): void {
    for (const [name, hash] of Object.entries(victims)) {
      assert.ok(fs.existsSync(path.join(outside, name)), `${name} outside the roots was moved away`);
      assert.equal(sha(path.join(outside, name)), hash, `${name} outside the roots was changed`);
    }
    assert.equal(
      fs.readFileSync(path.join(root, 'index.html'), 'utf8'),
      '<img src="copies/photo-a.png" alt="a">\n',
      'nothing inside changed either',
    );
    assert.ok(fs.existsSync(path.join(root, 'copies/photo-a.png')));
  }

  for (const [name, open] of Object.entries(transports)) {
    it(`${name}: refuses an edit of ../outside/victim.txt, an outside removal, a link pointing out, a swapped path in an issued plan, a planted journal`, async () => {
      const call = await open();
      // A `../` path written under the root, an absolute outside path as a removal, a link inside the roots.
      const dotdot = `${root}${path.sep}..${path.sep}outside${path.sep}victim.txt`;
      assert.equal(await errorCodeOf(call('doublon/replaceApply', { plan: handMade(dotdot, undefined) })), RpcErrorCodes.PathOutsideRoots);
      assert.equal(
        await errorCodeOf(call('doublon/replaceApply', { plan: handMade(undefined, path.join(outside, 'victim.png')) })),
        RpcErrorCodes.PathOutsideRoots,
      );
      assert.equal(
        await errorCodeOf(call('doublon/replaceApply', { plan: handMade(undefined, path.join(root, 'out', 'victim.png')) })),
        RpcErrorCodes.PathOutsideRoots,
      );
      assert.equal(
        await errorCodeOf(call('doublon/replaceApply', { plan: handMade(path.join(root, 'linked.html'), undefined) })),
        RpcErrorCodes.PathOutsideRoots,
      );
      // Inside the roots but not made by the daemon: an edit that is no indexed reference's rewrite.
      assert.equal(
        await errorCodeOf(call('doublon/replaceApply', { plan: handMade(path.join(root, 'index.html'), undefined) })),
        RpcErrorCodes.InvalidParams,
      );

      // The daemon's own plan never includes the link (its file is outside once resolved)…
      const issued = (await call('doublon/replacePlan', { delete: true })) as ReplacePlanResult;
      assert.ok(!issued.edits.some((e) => e.path.includes('linked')), JSON.stringify(issued.edits));
      // …and once issued, a plan with a swapped or an added path is refused as a whole.
      const swapped = structuredClone(issued.plan) as unknown as {
        files: Array<{ path: string }>;
        removals: Array<{ path: string; sha256: string }>;
      };
      swapped.files[0].path = dotdot;
      assert.equal(await errorCodeOf(call('doublon/replaceApply', { plan: swapped })), RpcErrorCodes.PathOutsideRoots);
      const added = structuredClone(issued.plan) as unknown as { removals: Array<Record<string, unknown>> };
      added.removals.push({ ...added.removals[0], path: path.join(outside, 'victim.png'), sha256: victims['victim.png'] });
      assert.equal(await errorCodeOf(call('doublon/replaceApply', { plan: added })), RpcErrorCodes.PathOutsideRoots);
      const retargeted = structuredClone(issued.plan) as unknown as { removals: Array<Record<string, unknown>> };
      retargeted.removals = [];
      assert.equal(
        await errorCodeOf(call('doublon/replaceApply', { plan: retargeted })),
        RpcErrorCodes.InvalidParams,
        'a changed issued plan is not that plan',
      );

      // A journal planted in the index folder that would "restore" a file outside the roots.
      const journalDir = path.join(indexDir, 'journal');
      const trash = path.join(indexDir, 'trash', '999999-evil');
      fs.mkdirSync(path.join(trash, 'originals'), { recursive: true });
      fs.mkdirSync(journalDir, { recursive: true });
      const evil = Buffer.from('overwritten by undo\n');
      fs.writeFileSync(path.join(trash, 'originals', '0-victim.txt'), evil);
      const journalFile = path.join(journalDir, '999999-evil.json');
      fs.writeFileSync(
        journalFile,
        JSON.stringify({
          version: 1,
          id: '999999-evil',
          createdAt: new Date().toISOString(),
          state: 'applied',
          base: root,
          trashDir: trash,
          files: [
            {
              path: path.join(outside, 'victim.txt'),
              mode: 0o644,
              originalSha256: createHash('sha256').update(evil).digest('hex'),
              backup: path.join(trash, 'originals', '0-victim.txt'),
              appliedSha256: victims['victim.txt'],
              edits: 1,
            },
          ],
          moves: [],
        }),
      );
      try {
        assert.equal(await errorCodeOf(call('doublon/undo', { force: true })), RpcErrorCodes.PathOutsideRoots);
      } finally {
        fs.rmSync(journalFile);
        fs.rmSync(path.join(indexDir, 'trash', '999999-evil'), { recursive: true });
      }
      // ignore writes the config: only indexed images, never a path through a link out of the roots.
      assert.equal(await errorCodeOf(call('doublon/ignore', { paths: ['out/victim.png'] })), RpcErrorCodes.PathOutsideRoots);
      assert.equal(await errorCodeOf(call('doublon/ignore', { paths: ['index.html'] })), RpcErrorCodes.NotFound);
      assert.equal(await errorCodeOf(call('doublon/setCanonical', { path: 'out/victim.png' })), RpcErrorCodes.PathOutsideRoots);

      assertVictimsIntact();
    });
  }

  it('still applies the plan it issued, passed back unchanged (and only once)', async () => {
    const issued = await daemon.http.request<ReplacePlanResult>('doublon/replacePlan', { delete: true });
    assert.equal(typeof issued.planId, 'string');
    const applied = await daemon.http.request<{ editsApplied: number }>('doublon/replaceApply', { plan: issued.plan });
    assert.equal(applied.editsApplied, 1);
    assert.equal(fs.readFileSync(path.join(root, 'index.html'), 'utf8'), '<img src="assets/photo-a.png" alt="a">\n');
    assert.equal(
      await errorCodeOf(daemon.http.request('doublon/replaceApply', { plan: issued.plan })),
      RpcErrorCodes.InvalidParams,
      'an applied plan is forgotten',
    );
    await daemon.http.request('doublon/undo');
    assertVictimsIntact();
  });
});
