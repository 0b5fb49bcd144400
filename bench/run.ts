/**
 * `npm run bench`: every benchmark, each in its own process (so one's memory does not weigh on the next),
 * one after the other (they measure time: never in parallel). Results land in bench-results/*.json.
 *
 *   node out/bench/run.js [--quick] [--only accuracy,daemon]
 *
 * --quick uses smaller sizes (a few minutes in all); the default sizes are the issues' targets.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Bench {
  name: string;
  file: string;
  args: string[];
  quick: string[];
}

const BENCHES: Bench[] = [
  { name: 'accuracy', file: 'accuracy.js', args: [], quick: [] },
  { name: 'hamming', file: 'hamming.js', args: [], quick: ['--sizes', '10000,100000'] },
  { name: 'graph', file: 'graph.js', args: [], quick: [] },
  { name: 'refs', file: 'refs.js', args: [], quick: [] },
  { name: 'replace', file: 'replace.js', args: [], quick: [] },
  { name: 'scale', file: 'scale.js', args: ['--files', '100000'], quick: ['--files', '10000'] },
  { name: 'lsp', file: 'lsp.js', args: [], quick: ['--rounds', '2'] },
  { name: 'catalogue', file: 'catalogue.js', args: [], quick: ['--sites', '10', '--images', '2000', '--keys', '1000000'] },
  { name: 'integrity', file: 'integrity.js', args: ['--records', '100000'], quick: ['--records', '10000'] },
  { name: 'scan-e2e', file: 'scan-e2e.js', args: [], quick: ['--rounds', '1', '--icon-sizes', '250,500', '--million', '200000'] },
  {
    name: 'daemon',
    file: 'daemon.js',
    args: ['--events', '200', '--bulk', '5000', '--scan', '100000'],
    quick: ['--events', '50', '--bulk', '1000', '--scan', '5000'],
  },
];

function main(): number {
  const quick = process.argv.includes('--quick');
  const i = process.argv.indexOf('--only');
  const only = i > 0 ? new Set(process.argv[i + 1].split(',')) : undefined;
  const summary: Record<string, { ok: boolean; seconds: number }> = {};
  for (const bench of BENCHES) {
    if (only && !only.has(bench.name)) continue;
    const file = path.join(__dirname, bench.file);
    if (!fs.existsSync(file)) continue;
    console.log(`\n=== ${bench.name} ${(quick ? bench.quick : bench.args).join(' ')}`);
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--expose-gc', file, ...(quick ? bench.quick : bench.args)], { stdio: 'inherit' });
    summary[bench.name] = { ok: result.status === 0, seconds: Math.round((Date.now() - started) / 1000) };
  }
  const out = path.resolve(__dirname, '../../bench-results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2));
  console.log(
    `\n${Object.entries(summary)
      .map(([n, s]) => `${n}: ${s.ok ? 'ok' : 'FAILED'} (${s.seconds} s)`)
      .join('\n')}\nresults in ${out}`,
  );
  return Object.values(summary).every((s) => s.ok) ? 0 : 1;
}

process.exitCode = main();
