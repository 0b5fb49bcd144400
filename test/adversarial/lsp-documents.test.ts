/**
 * Hostile or careless LSP clients against a real daemon process (issue 10, item 6): documents over
 * stateless HTTP, documents larger than the editor limit, more documents than a connection may hold, and a
 * large document being read while other requests must still be answered. Memory is measured as the
 * daemon's resident set (/proc): a bound on memory is a correctness bound here.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  DidOpenTextDocumentNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  type LogMessageParams,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import { tempDir } from '../fixtures/images';
import { write, writeBasicSite } from '../helpers/site';
import { startDaemonProcess, waitFor, type DaemonHandle } from '../helpers/daemon';

/** Resident memory of a process in MB (Linux). */
function rssMB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

/** An HTML page of about `chars` characters whose every tenth line references the exact copy. */
function bigPage(chars: number, copy: string): string {
  const lines = ['<!doctype html>', '<body>'];
  let length = 0;
  for (let i = 0; length < chars; i++) {
    const line =
      i % 10 === 0
        ? `  <p><img src="${copy}" alt="photo ${i}"> Paragraph ${i}.</p>`
        : `  <p>Paragraph ${i}: opening hours, addresses and events of the city library.</p>`;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join('\n')}\n</body>\n`;
}

describe('adversarial: LSP documents are bounded and never stall the daemon', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let daemon: DaemonHandle;
  const copy = 'copies/photo-a.png';
  const uriOf = (rel: string): string => pathToFileURL(path.join(root, rel)).href;

  before(async () => {
    dir = tempDir('doublon-adv-lsp-');
    root = path.join(dir.path, 'site');
    await writeBasicSite(root);
    await write(root, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
    daemon = await startDaemonProcess(root, path.join(dir.path, 'index'));
    await daemon.idle();
  });
  after(async () => {
    await daemon?.stop();
    dir?.cleanup();
  });

  async function post(body: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`http://127.0.0.1:${daemon.info.port}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${daemon.info.token}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  async function editor(): Promise<{ connection: MessageConnection; published: PublishDiagnosticsParams[]; logged: LogMessageParams[] }> {
    const connection = await daemon.connect();
    const published: PublishDiagnosticsParams[] = [];
    const logged: LogMessageParams[] = [];
    connection.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => void published.push(p));
    connection.onNotification(LogMessageNotification.type, (p: LogMessageParams) => void logged.push(p));
    await connection.sendRequest(InitializeRequest.type, { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
    return { connection, published, logged };
  }

  it('refuses document sync over stateless HTTP: 100 documents of 900 KB leave the memory where it was', async () => {
    const before = rssMB(daemon.child.pid!);
    const text = bigPage(900_000, copy);
    for (let i = 0; i < 100; i++) {
      const { status } = await post({
        jsonrpc: '2.0',
        method: 'textDocument/didOpen',
        params: { textDocument: { uri: uriOf(`http-${i}.html`), languageId: 'html', version: 1, text } },
      });
      assert.equal(status, 204);
    }
    // A request (not a notification) says why.
    const { json } = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'textDocument/hover',
      params: { textDocument: { uri: uriOf('http-0.html') }, position: { line: 2, character: 14 } },
    });
    const error = (json as { error?: { code: number; message: string } }).error;
    assert.equal(error?.code, -32600, JSON.stringify(json));
    assert.match(error.message, /LSP methods need a connection/);
    const after = rssMB(daemon.child.pid!);
    // 100 × 900 KB kept would be 90 MB of text alone (and was 3.5× that with diagnostics): allow parser garbage.
    assert.ok(after - before < 60, `RSS grew from ${before.toFixed(0)} to ${after.toFixed(0)} MB`);
    const health = await fetch(`http://127.0.0.1:${daemon.info.port}/healthz`);
    assert.equal(health.status, 200);
  });

  it('answers LSP requests before initialize with -32002 (ServerNotInitialized) and drops notifications', async () => {
    const connection = await daemon.connect();
    const published: PublishDiagnosticsParams[] = [];
    connection.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => void published.push(p));
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uriOf('early.html'), languageId: 'html', version: 1, text: bigPage(200, copy) },
    });
    await assert.rejects(
      connection.sendRequest('textDocument/hover', { textDocument: { uri: uriOf('early.html') }, position: { line: 2, character: 14 } }),
      (error: { code?: number }) => error.code === -32002,
    );
    // doublon/* stays open to plain JSON-RPC clients of the socket.
    const status = await connection.sendRequest<{ state: string }>('doublon/status');
    assert.equal(status.state, 'idle');
    assert.deepEqual(published, [], 'a document opened before initialize is not tracked');
    connection.dispose();
  });

  it('ignores a 20 MB document with a clear message, keeps answering, and still checks the next document', async () => {
    const { connection, published, logged } = await editor();
    const before = rssMB(daemon.child.pid!);
    const huge = uriOf('huge.html');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: huge, languageId: 'html', version: 1, text: bigPage(20_000_000, copy) },
    });
    const warning = await waitFor('the warning about the huge document', () => logged.find((m) => m.message.includes(huge)), 60_000);
    assert.match(warning.message, /more than the 4\.0 Mi characters Doublon checks/);
    const cleared = await waitFor('the diagnostics of the huge document', () => published.find((p) => p.uri === huge), 60_000);
    assert.deepEqual(cleared.diagnostics, []);
    const small = uriOf('small.html');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: small, languageId: 'html', version: 1, text: bigPage(300, copy) },
    });
    const checked = await waitFor('diagnostics of the small document', () => published.find((p) => p.uri === small), 60_000);
    assert.ok(checked.diagnostics.length > 0);
    // The 20 MB of text is not kept (the message itself is garbage once parsed).
    const after = rssMB(daemon.child.pid!);
    assert.ok(after - before < 150, `RSS grew from ${before.toFixed(0)} to ${after.toFixed(0)} MB`);
    connection.dispose();
  });

  it('bounds the documents one connection holds (200) and frees them when it closes', async () => {
    const { connection, published, logged } = await editor();
    for (let i = 0; i < 210; i++) {
      await connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri: uriOf(`many-${i}.html`), languageId: 'html', version: 1, text: bigPage(200, copy) },
      });
    }
    const refusals = await waitFor(
      '10 refusals',
      () => {
        const found = logged.filter((m) => /already has 200 documents open/.test(m.message));
        return found.length === 10 ? found : undefined;
      },
      60_000,
    );
    assert.ok(
      refusals.every((m) => /many-20\d\.html/.test(m.message)),
      refusals.map((m) => m.message).join('\n'),
    );
    await waitFor(
      'diagnostics of the 200 documents kept',
      () => new Set(published.filter((p) => p.diagnostics.length > 0).map((p) => p.uri)).size === 200,
      60_000,
    );
    connection.dispose();
    // A new connection has the whole allowance again: the closed one's documents were freed.
    const next = await editor();
    await next.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uriOf('after-close.html'), languageId: 'html', version: 1, text: bigPage(200, copy) },
    });
    const published2 = await waitFor(
      'diagnostics on the new connection',
      () => next.published.find((p) => p.uri === uriOf('after-close.html')),
      60_000,
    );
    assert.ok(published2.diagnostics.length > 0);
    assert.deepEqual(next.logged, []);
    next.connection.dispose();
  });

  it('answers /healthz while a 3.5 MB document is being read (before its diagnostics arrive)', async () => {
    const { connection, published } = await editor();
    const uri = uriOf('large.html');
    // Heavy to read (a reference every ten lines) but light to answer: one reference to a copy, so the
    // diagnostics message is small and arrives as soon as the daemon publishes it.
    const text = bigPage(3_500_000, 'assets/photo-b.png').replace('assets/photo-b.png', copy);
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'html', version: 1, text },
    });
    // Requests sent one after another once the document is sent: a daemon whose event loop is taken by the
    // document answers at most the one that came before it and the one queued behind it; five answers mean
    // the loop was free again and again while the document was read.
    let answeredBefore = 0;
    let done = false;
    const probing = (async () => {
      while (!done) {
        const response = await fetch(`http://127.0.0.1:${daemon.info.port}/healthz`);
        assert.equal(response.status, 200);
        if (!published.some((p) => p.uri === uri)) answeredBefore++;
      }
    })();
    const result = await waitFor('diagnostics of the large document', () => published.find((p) => p.uri === uri), 120_000);
    done = true;
    await probing;
    assert.equal(result.diagnostics.length, 1);
    assert.ok(answeredBefore >= 5, `only ${answeredBefore} /healthz answers came before the large document was done`);
    connection.dispose();
  });
});
