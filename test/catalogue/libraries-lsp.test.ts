/**
 * The editor's quick fix with a shared library outside the roots: the daemon scans the library with the site
 * (read only), the library's image is the canonical, and "Use canonical" writes the library's URL.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeActionRequest, DidOpenTextDocumentNotification, InitializeRequest, type CodeAction } from 'vscode-languageserver-protocol';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { GroupsRequest } from '../../protocol/methods';
import { makePhoto, tempDir } from '../fixtures/images';
import { write } from '../helpers/site';
import { startDaemonProcess, type DaemonHandle } from '../helpers/daemon';

describe('shared libraries in the editor (daemon, LSP)', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let daemon: DaemonHandle | undefined;
  let editor: MessageConnection | undefined;
  after(async () => {
    editor?.dispose();
    await daemon?.stop();
    dir?.cleanup();
  });

  it('"Use canonical" on a reference to a copy of a library image writes the library URL', async () => {
    dir = tempDir('doublon-library-lsp-');
    const logo = await makePhoto(61, 320, 240);
    await write(path.join(dir.path, 'library'), 'logo.png', logo);
    const root = path.join(dir.path, 'site');
    await write(root, 'img/logo.png', logo);
    const text = '<img src="img/logo.png" alt="">\n';
    await write(root, 'index.html', text);
    await write(
      root,
      'doublon.config.json',
      JSON.stringify({ libraries: [{ path: '../library', url: 'https://cdn.city.example/assets' }] }),
    );
    daemon = await startDaemonProcess(root, path.join(dir.path, 'index'));
    await daemon.idle();
    editor = await daemon.connect();
    await editor.sendRequest(InitializeRequest.type, { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
    const [group] = (await editor.sendRequest(GroupsRequest.type, {})).groups;
    assert.equal(group.canonicalUrl, 'https://cdn.city.example/assets/logo.png');
    const uri = pathToFileURL(path.join(root, 'index.html')).href;
    await editor.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'html', version: 1, text } });
    const actions = (await editor.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: { line: 0, character: 12 }, end: { line: 0, character: 12 } },
      context: { diagnostics: [] },
    })) as CodeAction[];
    const use = actions.find((a) => a.isPreferred);
    assert.ok(use, JSON.stringify(actions));
    const [edit] = use.edit!.changes![uri];
    assert.equal(edit.newText, 'https://cdn.city.example/assets/logo.png');
    assert.deepEqual(edit.range, { start: { line: 0, character: 10 }, end: { line: 0, character: 22 } });
  });
});
