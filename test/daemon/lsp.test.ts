import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  CodeActionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  HoverRequest,
  InitializeRequest,
  PublishDiagnosticsNotification,
  type CodeAction,
  type PublishDiagnosticsParams,
  type TextDocumentEdit,
  type DeleteFile,
} from 'vscode-languageserver-protocol';
import { GroupsRequest } from '../../protocol/methods';
import { tempDir } from '../fixtures/images';
import { write, writeBasicSite } from '../helpers/site';
import { copyInto, startDaemonProcess, waitFor, type DaemonHandle } from '../helpers/daemon';

describe('daemon, editor features (LSP over the socket)', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let daemon: DaemonHandle;
  let editor: MessageConnection;
  let published: PublishDiagnosticsParams[];
  let canonical: string;
  let copy: string;
  const html = (src: string): string =>
    `<!doctype html>\n<body>\n  <img src="${src}" alt="a">\n  <img src="assets/photo-b.png" alt="b">\n</body>\n`;

  before(async () => {
    dir = tempDir('doublon-lsp-');
    root = path.join(dir.path, 'site');
    await writeBasicSite(root);
    // The shared library is canonical whatever gets referenced during the tests.
    await write(root, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
    daemon = await startDaemonProcess(root, path.join(dir.path, 'index'));
    await daemon.idle();
    editor = await daemon.connect();
    published = [];
    editor.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => {
      published.push(p);
    });
    const init = await editor.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: pathToFileURL(root).href,
      capabilities: { textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] } } },
      initializationOptions: { severity: { near: 'hint' } },
    });
    assert.equal(init.capabilities.hoverProvider, true);
    const [group] = (await editor.sendRequest(GroupsRequest.type, {})).groups;
    canonical = group.canonical;
    copy = 'copies/photo-a.png';
    assert.equal(canonical, 'assets/photo-a.png');
    assert.equal(group.members.find((m) => m.path === copy)?.class, 'exact');
  });
  after(async () => {
    await daemon?.stop();
    dir?.cleanup();
  });

  const uriOf = (rel: string): string => pathToFileURL(path.join(root, rel)).href;
  const latest = (uri: string, version: number): Promise<PublishDiagnosticsParams> =>
    waitFor(`diagnostics for ${uri} v${version}`, () => [...published].reverse().find((p) => p.uri === uri && (p.version ?? 0) >= version));

  it('publishes a diagnostic on the exact path text of a reference to a copy, unsaved text included', async () => {
    const uri = uriOf('page.html');
    const text = html(copy);
    await editor.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'html', version: 1, text } });
    const result = await latest(uri, 1);
    assert.equal(result.diagnostics.length, 1);
    const [d] = result.diagnostics;
    const line = text.split('\n')[2];
    assert.deepEqual(d.range, {
      start: { line: 2, character: line.indexOf(copy) },
      end: { line: 2, character: line.indexOf(copy) + copy.length },
    });
    assert.equal(d.source, 'doublon');
    assert.equal(d.code, 'duplicate-exact');
    assert.equal(d.severity, 2);
    const message = typeof d.message === 'string' ? d.message : d.message.value;
    assert.ok(message.startsWith(`${copy} is a`) && message.includes(`of ${canonical}: use the canonical file`), message);
    assert.equal(d.relatedInformation![0].location.uri, uriOf(canonical));

    // Typing a reference to the near copy (unsaved) adds a hint, as configured.
    await editor.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 3, character: 12 }, end: { line: 3, character: 30 } }, text: 'copies/photo-a-small.jpg' }],
    });
    const second = await latest(uri, 2);
    assert.deepEqual(second.diagnostics.map((x) => x.severity).sort(), [2, 4]);
  });

  it('offers "Use canonical" (preferred) and applies only to the path text', async () => {
    const uri = uriOf('page.html');
    const actions = (await editor.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: { line: 2, character: 14 }, end: { line: 2, character: 14 } },
      context: { diagnostics: [] },
    })) as CodeAction[];
    const use = actions.find((a) => a.isPreferred)!;
    assert.equal(use.title, `Use canonical \`${canonical}\``);
    const [edit] = use.edit!.changes![uri];
    assert.equal(edit.newText, canonical);
    assert.ok(actions.some((a) => a.title === 'Ignore this duplicate' && a.command?.command === 'doublon.ignore'));
  });

  it('fixes every exact and pixel reference with source.fixAll.doublon, not near ones', async () => {
    const uri = uriOf('page.html');
    const actions = (await editor.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    assert.deepEqual(
      actions[0].edit!.changes![uri].map((e) => e.newText),
      [canonical],
    );
  });

  it('replaces every reference to a copy across files and deletes it', async () => {
    await write(root, 'other.md', `![a](${copy})\n`);
    await waitFor(
      'the Markdown reference to be indexed',
      async () => (await editor.sendRequest(GroupsRequest.type, {})).groups[0].members.find((m) => m.path === copy)?.references === 1,
    );
    const result = (await editor.sendRequest(ExecuteCommandRequest.type, {
      command: 'doublon.replaceEverywhere',
      arguments: [path.join(root, copy)],
    })) as { edit: { documentChanges: Array<TextDocumentEdit | DeleteFile> }; references: number; deletes: boolean };
    assert.equal(result.references, 2, 'the open page (unsaved text) and other.md on disk');
    const uris = result.edit.documentChanges.map((c) => ('kind' in c ? `delete ${c.uri}` : c.textDocument.uri)).sort();
    assert.deepEqual(uris, [`delete ${uriOf(copy)}`, uriOf('other.md'), uriOf('page.html')].sort());
  });

  it('shows thumbnails, sizes and class on hover', async () => {
    const hover = await editor.sendRequest(HoverRequest.type, {
      textDocument: { uri: uriOf('page.html') },
      position: { line: 2, character: 15 },
    });
    const value = (hover!.contents as { value: string }).value;
    assert.match(value, /Duplicate \((exact|pixel) copy\) — use the canonical file\./);
    assert.match(value, /\*\*canonical\*\* `[^`]+` — 320×240/);
    assert.equal((value.match(/!\[[^\]]*\]\(data:image\/png;base64,/g) ?? []).length, 2);
  });

  it('lights up an open document when a copy appears on disk', async () => {
    const uri = uriOf('late.html');
    await editor.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'html', version: 1, text: html('late/copy-of-b.png') },
    });
    const before = await latest(uri, 1);
    assert.equal(before.diagnostics.length, 0);
    const count = published.length;
    copyInto(root, 'assets/photo-b.png', 'late/copy-of-b.png');
    await waitFor('a warning on the new copy', () => published.slice(count).find((p) => p.uri === uri && p.diagnostics.length > 0));
  });

  it('keeps diagnostics to the connection that opened the document', async () => {
    const other = await daemon.connect();
    const seen: string[] = [];
    other.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => {
      seen.push(p.uri);
    });
    const uri = uriOf('page.html');
    await editor.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 3 },
      contentChanges: [{ text: html(copy) }],
    });
    await latest(uri, 3);
    assert.deepEqual(seen, []);
    assert.ok(fs.existsSync(path.join(root, copy)), 'nothing on disk was touched by the editor features');
  });
});
