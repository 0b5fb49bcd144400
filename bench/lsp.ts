/**
 * LSP documents against a real daemon process (issue 10, item 6), measured like a client sees them:
 * - `/healthz` latency idle (the baseline, same run) and while large documents are being read, as a ratio;
 * - the daemon's RSS before and after 40 and 300 documents of 900 KB posted over HTTP (refused now);
 * - the daemon's RSS after a 50 MB document over the socket, and the time until it is answered.
 *
 *   node out/bench/lsp.js [--large 3500000] [--rounds 5]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  type LogMessageParams,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import { write, writeBasicSite } from '../test/helpers/site';
import { startDaemonProcess, waitFor, type DaemonHandle } from '../test/helpers/daemon';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function rssMB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

function page(chars: number, copy: string): string {
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

async function healthz(daemon: DaemonHandle): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${daemon.info.port}/healthz`);
  await response.text();
  return performance.now() - started;
}

export interface LspBenchResult {
  load: string;
  healthzIdle: { samples: number; medianMs: number; p95Ms: number; maxMs: number };
  healthzDuringLarge: {
    chars: number;
    rounds: number;
    samples: number;
    medianMs: number;
    p95Ms: number;
    maxMs: number;
    diagnosticsMs: number[];
  };
  ratioP95: number;
  http: { documents: number; rssBeforeMB: number; rssAfterMB: number }[];
  huge: { chars: number; answeredMs: number; rssBeforeMB: number; rssAfterMB: number };
}

export async function runLspBench(options: { large?: number; rounds?: number; log?: (s: string) => void } = {}): Promise<LspBenchResult> {
  const log = options.log ?? ((s: string) => console.log(s));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-lsp-'));
  const root = path.join(dir, 'site');
  await writeBasicSite(root);
  await write(root, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
  const daemon = await startDaemonProcess(root, path.join(dir, 'index'));
  const uriOf = (rel: string): string => pathToFileURL(path.join(root, rel)).href;
  try {
    await daemon.idle();
    const load = os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
    const idle: number[] = [];
    for (let i = 0; i < 200; i++) idle.push(await healthz(daemon));

    const connection = await daemon.connect();
    const published: PublishDiagnosticsParams[] = [];
    const logged: LogMessageParams[] = [];
    connection.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => void published.push(p));
    connection.onNotification(LogMessageNotification.type, (p: LogMessageParams) => void logged.push(p));
    await connection.sendRequest(InitializeRequest.type, { processId: null, rootUri: uriOf(''), capabilities: {} });

    const chars = options.large ?? 3_500_000;
    const rounds = options.rounds ?? 5;
    const text = page(chars, 'copies/photo-a.png');
    const uri = uriOf('large.html');
    const during: number[] = [];
    const diagnosticsMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const version = round + 1;
      const started = performance.now();
      if (round === 0)
        await connection.sendNotification(DidOpenTextDocumentNotification.type, {
          textDocument: { uri, languageId: 'html', version, text },
        });
      else
        await connection.sendNotification(DidChangeTextDocumentNotification.type, {
          textDocument: { uri, version },
          contentChanges: [{ text: `${text}<!-- ${round} -->` }],
        });
      while (!published.some((p) => p.uri === uri && p.version === version)) during.push(await healthz(daemon));
      diagnosticsMs.push(performance.now() - started);
    }

    const http: LspBenchResult['http'] = [];
    const body = page(900_000, 'copies/photo-a.png');
    let opened = 0;
    for (const documents of [40, 300]) {
      const rssBeforeMB = rssMB(daemon.child.pid!);
      for (; opened < documents; opened++) {
        await fetch(`http://127.0.0.1:${daemon.info.port}/rpc`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${daemon.info.token}` },
          body: JSON.stringify({
            jsonrpc: '2.0',
            method: 'textDocument/didOpen',
            params: { textDocument: { uri: uriOf(`h${opened}.html`), languageId: 'html', version: 1, text: body } },
          }),
        });
      }
      http.push({ documents, rssBeforeMB, rssAfterMB: rssMB(daemon.child.pid!) });
    }

    const hugeChars = 50_000_000;
    const hugeUri = uriOf('huge.html');
    const rssBeforeMB = rssMB(daemon.child.pid!);
    const started = performance.now();
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: hugeUri, languageId: 'html', version: 1, text: page(hugeChars, 'copies/photo-a.png') },
    });
    await waitFor('the huge document to be answered', () => published.some((p) => p.uri === hugeUri), 300_000);
    const huge = { chars: hugeChars, answeredMs: performance.now() - started, rssBeforeMB, rssAfterMB: rssMB(daemon.child.pid!) };
    connection.dispose();

    const stats = (values: number[]) => ({
      samples: values.length,
      medianMs: percentile(values, 0.5),
      p95Ms: percentile(values, 0.95),
      maxMs: Math.max(...values),
    });
    const result: LspBenchResult = {
      load,
      healthzIdle: stats(idle),
      healthzDuringLarge: { chars, rounds, ...stats(during), diagnosticsMs },
      ratioP95: percentile(during, 0.95) / percentile(idle, 0.95),
      http,
      huge,
    };
    log(`load average ${load}`);
    log(
      `/healthz idle: median ${result.healthzIdle.medianMs.toFixed(1)} ms, p95 ${result.healthzIdle.p95Ms.toFixed(1)} ms, max ${result.healthzIdle.maxMs.toFixed(1)} ms`,
    );
    log(
      `/healthz while ${rounds} versions of a ${(chars / 1e6).toFixed(1)} M-character page are read: median ${result.healthzDuringLarge.medianMs.toFixed(1)} ms, p95 ${result.healthzDuringLarge.p95Ms.toFixed(1)} ms, max ${result.healthzDuringLarge.maxMs.toFixed(1)} ms over ${during.length} requests (p95 ratio ${result.ratioP95.toFixed(2)}); diagnostics in ${diagnosticsMs.map((x) => x.toFixed(0)).join(', ')} ms`,
    );
    for (const h of http)
      log(`HTTP: ${h.documents} documents of 900 KB posted: RSS ${h.rssBeforeMB.toFixed(0)} → ${h.rssAfterMB.toFixed(0)} MB`);
    log(
      `50 MB document over the socket: answered in ${(huge.answeredMs / 1000).toFixed(1)} s, RSS ${huge.rssBeforeMB.toFixed(0)} → ${huge.rssAfterMB.toFixed(0)} MB`,
    );
    return result;
  } finally {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runLspBench({ large: arg('large'), rounds: arg('rounds') }).then(
    (result) => {
      const out = path.resolve(__dirname, '../../bench-results');
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, 'lsp.json'), JSON.stringify(result, null, 2));
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
