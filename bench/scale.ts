/**
 * Scale: a tree of many image files (few distinct contents, so hashing does not dominate), scanned without
 * a daemon in a child process (peak RSS from the kernel), then rescanned unchanged (the warm rescan), and
 * the editor's keystroke path: diagnostics of a 5 000-line HTML file, measured at the daemon.
 *
 *   node out/bench/scale.js [--files 100000]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makePhoto } from '../test/fixtures/images';
import { loadConfig } from '../daemon/config/load';
import { DoublonService } from '../daemon/server/service';
import { DaemonEndpoint } from '../daemon/lsp/endpoint';
import { withAllocatorSettings } from '../protocol/allocator';

export interface ScaleResult {
  files: number;
  distinct: number;
  coldScanMs: number;
  coldPeakRssMB: number;
  warmRescanMs: number;
  warmPeakRssMB: number;
  coldPhases: PhaseMemory[];
  warmPhases: PhaseMemory[];
  groups: number;
  keystroke: { lines: number; references: number; medianMs: number; p95Ms: number; samples: number };
}

/** Memory when a phase of analyse() starts (MB), and the kernel's peak RSS so far. */
export interface PhaseMemory {
  phase: string;
  atMs: number;
  rssMB: number;
  heapUsedMB: number;
  externalMB: number;
  maxRssMB: number;
}

interface ScanChildResult {
  ms: number;
  groups: number;
  files: number;
  rssMB: number;
  phases: PhaseMemory[];
}

const SCAN_CHILD = `
const { loadConfig } = require(process.argv[1] + '/daemon/config/load');
const { analyse } = require(process.argv[1] + '/daemon/analysis');
(async () => {
  const started = performance.now();
  const phases = [];
  const mb = (bytes) => Math.round(bytes / 1048576);
  const sample = (phase) => {
    const m = process.memoryUsage();
    phases.push({ phase, atMs: Math.round(performance.now() - started), rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
  };
  const a = await analyse(loadConfig({ cwd: process.argv[2], roots: [process.argv[2]], indexDir: process.argv[3] }), { onPhase: sample });
  const ms = performance.now() - started;
  sample('returned');
  process.stdout.write(JSON.stringify({ ms, groups: a.groups.length, files: a.stats.files, rssMB: process.resourceUsage().maxRSS / 1024, phases }));
})();
`;

function scanInChild(outDir: string, root: string, index: string): ScanChildResult {
  // With the settings `doublon scan` runs under (daemon/cli/relaunch.ts): the peak measured is the user's.
  const result = spawnSync(process.execPath, ['-e', SCAN_CHILD, outDir, root, index], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    env: withAllocatorSettings(process.env) ?? process.env,
  });
  if (result.status !== 0) throw new Error(`scan failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ScanChildResult;
}

function phaseLine(phases: PhaseMemory[]): string {
  return phases
    .map((p) => `${p.phase}@${(p.atMs / 1000).toFixed(1)}s rss ${p.rssMB} (peak ${p.maxRssMB}) heap ${p.heapUsedMB} ext ${p.externalMB}`)
    .join(' → ');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export async function runScale(files: number, log: (s: string) => void = console.log): Promise<ScaleResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-scale-'));
  try {
    const root = path.join(dir, 'site');
    const distinct = 200;
    const sources: Buffer[] = [];
    for (let i = 0; i < distinct; i++) sources.push(await makePhoto(1000 + i, 96, 72));
    log(`writing ${files} files (${distinct} distinct contents)…`);
    for (let i = 0; i < files; i++) {
      const folder = path.join(root, `d${Math.floor(i / 1000)}`);
      if (i % 1000 === 0) fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, `img-${i}.png`), sources[i % distinct]);
    }
    const outDir = path.resolve(__dirname, '..');
    const index = path.join(dir, 'index');
    const cold = scanInChild(outDir, root, index);
    log(`cold scan: ${cold.files} files in ${(cold.ms / 1000).toFixed(1)} s, peak RSS ${cold.rssMB.toFixed(0)} MB, ${cold.groups} groups`);
    log(`  MB by phase: ${phaseLine(cold.phases)}`);
    const warm = scanInChild(outDir, root, index);
    log(`warm rescan (nothing changed): ${(warm.ms / 1000).toFixed(2)} s, peak RSS ${warm.rssMB.toFixed(0)} MB`);
    log(`  MB by phase: ${phaseLine(warm.phases)}`);

    // Keystroke → diagnostics, at the daemon: a 5 000-line page referencing images of the tree.
    const lines: string[] = ['<!doctype html>', '<body>'];
    for (let i = 0; lines.length < 5000; i++) {
      lines.push(
        i % 10 === 0
          ? `  <p><img src="d0/img-${i % 1000}.png" alt="photo ${i}"> Paragraph ${i} of the city news.</p>`
          : `  <p>Paragraph ${i}: opening hours, addresses and events of the city library.</p>`,
      );
    }
    const page = lines.join('\n') + '\n</body>\n';
    const config = loadConfig({ cwd: root, roots: [root], indexDir: index });
    const service = new DaemonEndpoint(DoublonService.open(config, { watch: false }));
    await service.service.start();
    const uri = `file://${path.join(root, 'page.html')}`;
    await service.call('initialize', { processId: null, rootUri: null, capabilities: {} }, { transport: 'socket', client: 'bench' });
    await service.call(
      'textDocument/didOpen',
      { textDocument: { uri, languageId: 'html', version: 1, text: page } },
      { transport: 'socket', client: 'bench' },
    );
    const samples: number[] = [];
    let references = 0;
    for (let i = 0; i < 60; i++) {
      await service.call(
        'textDocument/didChange',
        {
          textDocument: { uri, version: i + 2 },
          contentChanges: [{ range: { start: { line: 2500, character: 4 }, end: { line: 2500, character: 4 } }, text: 'x' }],
        },
        { transport: 'socket', client: 'bench' },
      );
      const started = performance.now();
      references = (await service.lsp.diagnose(service.lsp.documents.get(uri, 'bench')!)).length;
      samples.push(performance.now() - started);
    }
    await service.stop();
    samples.sort((a, b) => a - b);
    const keystroke = {
      lines: page.split('\n').length,
      references,
      medianMs: percentile(samples, 0.5),
      p95Ms: percentile(samples, 0.95),
      samples: samples.length,
    };
    log(
      `keystroke → diagnostics, ${keystroke.lines}-line HTML with ${references} duplicate references: median ${keystroke.medianMs.toFixed(1)} ms, p95 ${keystroke.p95Ms.toFixed(1)} ms`,
    );
    return {
      files,
      distinct,
      coldScanMs: cold.ms,
      coldPeakRssMB: cold.rssMB,
      warmRescanMs: warm.ms,
      warmPeakRssMB: warm.rssMB,
      coldPhases: cold.phases,
      warmPhases: warm.phases,
      groups: cold.groups,
      keystroke,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--files');
  const files = i > 0 ? Number(process.argv[i + 1]) : 100_000;
  runScale(files).then(
    (result) => {
      const out = path.resolve(__dirname, '../../bench-results');
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, 'scale.json'), JSON.stringify(result, null, 2));
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
