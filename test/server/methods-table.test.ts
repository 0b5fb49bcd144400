import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../daemon/config/load';
import { DoublonService } from '../../daemon/server/service';
import { DaemonEndpoint } from '../../daemon/lsp/endpoint';
import type { MethodHandler, MethodTable } from '../../daemon/server/methods';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import type { GroupsResult, ReplacePlanResult } from '../../protocol/methods';
import { tempDir } from '../fixtures/images';
import { writeBasicSite } from '../helpers/site';

/**
 * daemon/server/methods.ts in process: every parameter check of the `doublon/*` table (InvalidParams names
 * the parameter, the expected and the received), on a real service over a real LMDB index in a temp folder.
 */
describe('the method table: parameter checks', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let service: DoublonService;
  let endpoint: DaemonEndpoint;
  const socket = { transport: 'socket' as const, client: 'test' };

  before(async () => {
    dir = tempDir('doublon-methods-table-');
    root = path.join(dir.path, 'site');
    await writeBasicSite(root);
    service = DoublonService.open(loadConfig({ cwd: root, roots: [root], indexDir: path.join(dir.path, 'index') }), {
      watch: false,
      log: () => undefined,
    });
    endpoint = new DaemonEndpoint(service);
    await service.start();
  });
  after(async () => {
    await endpoint?.stop();
    dir?.cleanup();
  });

  const call = (method: string, params?: Record<string, unknown>): Promise<unknown> => endpoint.call(method, params, socket);

  async function refused(method: string, params: Record<string, unknown> | undefined, code: number, message: RegExp): Promise<void> {
    await assert.rejects(call(method, params), (error: unknown) => {
      assert.ok(error instanceof RpcError, `${method}: an RpcError, not ${String(error)}`);
      assert.equal(error.code, code, `${method}: ${error.message}`);
      assert.match(error.message, message);
      return true;
    });
  }

  it('answers valid calls', async () => {
    const groups = (await call('doublon/groups', { limit: 10 })) as GroupsResult;
    assert.equal(groups.total, 1);
    const id = groups.groups[0].id;
    assert.equal(((await call('doublon/group', { id })) as { id: string }).id, id);
    const plan = (await call('doublon/replacePlan', { groupId: id, classes: ['exact'] })) as ReplacePlanResult;
    assert.equal(typeof plan.planId, 'string');
    assert.equal(plan.plan.id, plan.planId);
  });

  it('doublon/groups: limit, offset, since, class and root are checked', async () => {
    await refused('doublon/groups', { limit: 0 }, RpcErrorCodes.InvalidParams, /^limit: expected an integer from 1 to 10000, received 0$/);
    await refused('doublon/groups', { limit: 'ten' }, RpcErrorCodes.InvalidParams, /^limit: .*received "ten"$/);
    await refused('doublon/groups', { offset: -1 }, RpcErrorCodes.InvalidParams, /^offset: /);
    await refused('doublon/groups', { since: 1.5 }, RpcErrorCodes.InvalidParams, /^since: /);
    await refused(
      'doublon/groups',
      { class: 'exact' },
      RpcErrorCodes.InvalidParams,
      /^class: expected an array of strings, received "exact"$/,
    );
    await refused('doublon/groups', { root: '' }, RpcErrorCodes.InvalidParams, /^root: expected a non-empty string, received ""$/);
    await refused('doublon/groups', { root: path.dirname(root) }, RpcErrorCodes.PathOutsideRoots, /outside the watched roots/);
  });

  it('doublon/group, fileInfo, setCanonical and ignore: paths and ids are checked', async () => {
    await refused('doublon/group', {}, RpcErrorCodes.InvalidParams, /^id: expected a non-empty string, received nothing$/);
    await refused('doublon/group', { id: 'no-such-group' }, RpcErrorCodes.NotFound, /no group no-such-group/);
    await refused('doublon/fileInfo', { path: 42 }, RpcErrorCodes.InvalidParams, /^path: .*received 42$/);
    await refused('doublon/fileInfo', { path: '../outside.png' }, RpcErrorCodes.PathOutsideRoots, /outside the watched roots/);
    await refused('doublon/setCanonical', {}, RpcErrorCodes.InvalidParams, /^path: /);
    await refused('doublon/setCanonical', { path: 'assets/photo-b.png' }, RpcErrorCodes.NotFound, /not in any duplicate group/);
    await refused('doublon/ignore', { paths: 'assets/photo-b.png' }, RpcErrorCodes.InvalidParams, /^paths: expected an array of strings/);
    await refused(
      'doublon/ignore',
      { paths: [] },
      RpcErrorCodes.InvalidParams,
      /^paths: expected one or more files, received an empty array$/,
    );
    await refused('doublon/ignore', { paths: ['nothing-here.png'] }, RpcErrorCodes.NotFound, /not an image the index holds/);
    assert.equal(fs.existsSync(path.join(root, 'doublon.config.json')), false, 'a refused ignore writes nothing');
  });

  it('doublon/replacePlan and replaceApply: classes, group and plan are checked', async () => {
    await refused(
      'doublon/replacePlan',
      { classes: ['big'] },
      RpcErrorCodes.InvalidParams,
      /^classes: expected a list of exact, pixel, near, received \["big"\]$/,
    );
    await refused('doublon/replacePlan', { groupId: 'gone' }, RpcErrorCodes.NotFound, /no group gone/);
    await refused('doublon/replaceApply', { plan: 'x' }, RpcErrorCodes.InvalidParams, /^plan: expected a plan from doublon\/replacePlan/);
    // A made-up plan is refused before anything is read from it (vouchPlan names what is wrong first).
    await refused('doublon/replaceApply', { plan: { version: 1, id: 'made-up' } }, RpcErrorCodes.InvalidParams, /plan/);
  });

  it('names that are not methods are MethodNotFound, prototype names included', async () => {
    for (const method of ['doublon/nope', 'toString', 'constructor', '__proto__']) {
      await refused(method, {}, RpcErrorCodes.MethodNotFound, /no method/);
      assert.equal(endpoint.parameterNames(method), undefined, method);
    }
    assert.deepEqual(endpoint.parameterNames('doublon/groups'), ['class', 'root', 'offset', 'limit', 'since']);
    assert.deepEqual(endpoint.parameterNames('textDocument/hover'), [], 'LSP methods take named parameters only');
  });

  it('LSP parameters are checked too: a malformed didChange is InvalidParams, a malformed hover null', async () => {
    await call('initialize', { processId: null, rootUri: null, capabilities: 'none' });
    const uri = `file://${path.join(root, 'page.html')}`;
    await call('textDocument/didOpen', { textDocument: { uri, languageId: 'html', version: 1, text: '<img src="assets/photo-a.png">' } });
    await refused(
      'textDocument/didChange',
      { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: 0 } }] },
      RpcErrorCodes.InvalidParams,
      /contentChanges/,
    );
    await refused('textDocument/didChange', { textDocument: { uri }, contentChanges: [] }, RpcErrorCodes.InvalidParams, /version/);
    assert.equal(await call('textDocument/hover', { textDocument: { uri }, position: { line: 'one', character: 0 } }), null);
    assert.deepEqual(await call('textDocument/codeAction', { textDocument: { uri }, range: 'all', context: {} }), []);
  });

  it('the table is typed from protocol/methods.ts: a missing handler, a wrong result or a misspelt parameter does not compile', async () => {
    const table = (host: MethodTable): MethodTable => host;
    // @ts-expect-error -- every doublon/* method needs a handler
    table({ 'doublon/status': () => service.status() });
    const wrong = (real: MethodTable): MethodTable => ({
      ...real,
      // @ts-expect-error -- doublon/rescan answers { clock, files }, not a string
      'doublon/rescan': () => 'done',
    });
    assert.equal(typeof wrong, 'function');
    const misspelt: MethodHandler<'doublon/groups'> = (p) => {
      // @ts-expect-error -- doublon/groups has no parameter limt: parameter names come from GroupsParams
      void p.limt;
      return service.listGroups({ offset: 0, limit: 1 });
    };
    assert.equal((await misspelt({}, socket)).total, 1);
  });
});
