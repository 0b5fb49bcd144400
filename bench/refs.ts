/**
 * Reference-extraction benchmark (daemon/refs).
 *
 *   node out/bench/refs.js [--files N] [--out bench-results/refs.json]
 *
 * Generates a deterministic site of N (default 10 000) source files of mixed types in a temp dir,
 * reads each one (readSourceFile) and extracts its references (extractReferences) with an
 * isImage predicate backed by a Set (as the daemon's index would be), and reports throughput in
 * MB/s per file type (read excluded, extraction only; the per-type time is summed over files). Then
 * re-extracts one 5 000-line HTML file (the "saved file in the editor" case; target < 20 ms).
 * Writes the figures to bench-results/refs.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Parser } from 'htmlparser2';
import { extractReferences, languageOf, readSourceFile, type ExtractOptions, type SourceLanguage } from '../daemon/refs';
import { rng } from '../test/fixtures/keys';

const MIX: [string, number][] = [
  ['html', 0.25], ['css', 0.12], ['scss', 0.05], ['less', 0.02], ['js', 0.14], ['ts', 0.06], ['tsx', 0.08], ['md', 0.14],
  ['vue', 0.05], ['svelte', 0.03], ['astro', 0.02], ['json', 0.02], ['yml', 0.02],
];

const WORDS = 'city council park library museum river bridge market square station school hall tower garden street'.split(' ');

function generate(ext: string, r: () => number, images: string[]): string {
  const img = () => images[Math.floor(r() * images.length)];
  const w = () => WORDS[Math.floor(r() * WORDS.length)];
  const prose = (n: number) => Array.from({ length: n }, w).join(' ');
  const lines: string[] = [];
  const n = 40 + Math.floor(r() * 160);
  switch (ext) {
    case 'html':
      lines.push('<!doctype html>', '<html><head><meta charset="utf-8"><link rel="icon" href="/favicon.ico">', `<title>${prose(3)}</title></head><body>`);
      for (let i = 0; i < n; i++) {
        const k = r();
        if (k < 0.15) lines.push(`<img src="../img/${img()}" srcset="../img/${img()} 1x, ../img/${img()} 2x" alt="${prose(2)}">`);
        else if (k < 0.2) lines.push(`<div class="hero" style="background:url('/img/${img()}')"></div>`);
        else if (k < 0.25) lines.push(`<!-- <img src="old/${img()}"> -->`);
        else if (k < 0.3) lines.push(`<a href="/${w()}/${w()}.html">${prose(3)}</a>`);
        else lines.push(`<p class="${w()}">${prose(12)} <span>${prose(4)}</span></p>`);
      }
      lines.push('</body></html>');
      break;
    case 'css': case 'scss': case 'less':
      if (ext === 'scss') lines.push('$base: "../img";', '// url(nope.png)');
      if (ext === 'less') lines.push('@base: "../img";', '// url(nope.png)');
      for (let i = 0; i < n / 3; i++) {
        lines.push(`.${w()}-${i} {`, `  color: #${Math.floor(r() * 0xffffff).toString(16).padStart(6, '0')};`);
        if (r() < 0.3) lines.push(`  background: url(../img/${img()}) no-repeat;`);
        if (r() < 0.05) lines.push(`  background-image: image-set("../img/${img()}" 1x, "../img/${img()}" 2x);`);
        lines.push('  margin: 0 auto; /* layout */', '}');
      }
      break;
    case 'js': case 'ts': case 'tsx':
      if (r() < 0.5) lines.push(`import pic from '../img/${img()}';`);
      lines.push(`import { ${w()} } from './${w()}';`);
      for (let i = 0; i < n; i++) {
        const k = r();
        if (k < 0.05) lines.push(`const i${i} = new URL('../img/${img()}', import.meta.url);`);
        else if (k < 0.1) lines.push(`// const old${i} = '../img/${img()}';`);
        else if (ext === 'tsx' && k < 0.2) lines.push(`export const C${i} = () => <div className="${w()}"><img src="../img/${img()}" alt="${w()}" /></div>;`);
        else lines.push(`export function f${i}(a${ext === 'js' ? '' : ': number'}) { return a * ${i} + ${JSON.stringify(w())}.length; }`);
      }
      break;
    case 'md':
      lines.push('---', `title: ${prose(3)}`, `image: /img/${img()}`, '---', `# ${prose(3)}`);
      for (let i = 0; i < n / 2; i++) {
        const k = r();
        if (k < 0.1) lines.push(`![${w()}](../img/${img()} "${w()}")`);
        else if (k < 0.15) lines.push(`See [${w()}](/${w()}.html) and \`code ${img()}\`.`);
        else lines.push(prose(14));
        lines.push('');
      }
      break;
    case 'vue': case 'svelte': case 'astro':
      if (ext === 'astro') lines.push('---', `import hero from '../img/${img()}';`, '---');
      if (ext !== 'astro') lines.push(ext === 'vue' ? '<template>' : '');
      for (let i = 0; i < n / 2; i++) lines.push(r() < 0.2 ? `  <img src="../img/${img()}" alt="">` : `  <p>${prose(10)}</p>`);
      if (ext === 'vue') lines.push('</template>', '<script setup lang="ts">', `import x from '../img/${img()}';`, '</script>');
      if (ext === 'svelte') lines.push('<script>', `  import x from '../img/${img()}';`, '</script>');
      lines.push('<style>', `  .a { background: url(../img/${img()}); }`, '</style>');
      break;
    case 'json':
      lines.push(JSON.stringify({ name: prose(2), icons: [{ src: `/img/${img()}`, sizes: '192x192' }, { src: `/img/${img()}` }], items: Array.from({ length: n / 4 }, () => ({ title: prose(3), image: `../img/${img()}` })) }, null, 2));
      break;
    case 'yml':
      lines.push(`title: ${prose(3)}`, `logo: /img/${img()}`);
      for (let i = 0; i < n / 4; i++) lines.push(`item${i}:`, `  title: ${prose(4)}`, `  image: "../img/${img()}"`);
      break;
  }
  return lines.join('\n') + '\n';
}

export interface RefsBenchResult {
  files: number;
  bytes: number;
  perType: Record<string, { files: number; bytes: number; ms: number; mbPerSecond: number; references: number }>;
  overall: { ms: number; mbPerSecond: number; references: number; errors: number };
  html5000: { lines: number; bytes: number; references: number; medianMs: number; minMs: number; runs: number; targetMs: number; pass: boolean; htmlparser2AloneMedianMs: number };
  loadAverage: number[];
  node: string;
  cpus: number;
}

export async function runRefsBench(files = 10_000, log: (s: string) => void = console.log): Promise<RefsBenchResult> {
  const r = rng(20_251_126);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-refs-'));
  try {
    const imgDir = path.join(dir, 'img');
    fs.mkdirSync(imgDir);
    const images = Array.from({ length: 500 }, (_, i) => `${WORDS[i % WORDS.length]}-${i}.${['png', 'jpg', 'webp', 'svg'][i % 4]}`);
    const imageSet = new Set(images.map((i) => path.join(imgDir, i)));
    const opts: ExtractOptions = { isImage: (p) => imageSet.has(p), resolve: { roots: [dir], webRoots: [dir] } };
    const paths: string[] = [];
    for (let i = 0; i < files; i++) {
      let x = r();
      let ext = MIX[MIX.length - 1][0];
      for (const [e, p] of MIX) { if (x < p) { ext = e; break; } x -= p; }
      const sub = path.join(dir, `s${i % 100}`);
      if (i < 100) fs.mkdirSync(sub);
      const p = path.join(sub, `f${i}.${ext}`);
      fs.writeFileSync(p, generate(ext, r, images));
      paths.push(p);
    }
    log(`generated ${files} files in ${dir}`);
    const perType: RefsBenchResult['perType'] = {};
    let total = 0; let refsTotal = 0; let errors = 0; let totalMs = 0;
    // warm-up: each language once (module loading, JIT)
    const seen = new Set<SourceLanguage>();
    for (const p of paths) { const l = languageOf(p); if (l && !seen.has(l)) { seen.add(l); extractReferences(p, fs.readFileSync(p, 'utf8'), opts); } }
    for (const p of paths) {
      const rd = await readSourceFile(p);
      if ('error' in rd) { errors++; continue; }
      const t0 = process.hrtime.bigint();
      const res = extractReferences(p, rd.text, opts);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const key = path.extname(p).slice(1);
      const e = (perType[key] ??= { files: 0, bytes: 0, ms: 0, mbPerSecond: 0, references: 0 });
      const bytes = Buffer.byteLength(rd.text);
      e.files++; e.bytes += bytes; e.ms += ms; e.references += res.references.length;
      total += bytes; totalMs += ms; refsTotal += res.references.length; errors += res.errors.length;
    }
    for (const e of Object.values(perType)) e.mbPerSecond = +(e.bytes / 1e6 / (e.ms / 1000)).toFixed(2);
    for (const [k, e] of Object.entries(perType).sort((a, b) => b[1].bytes - a[1].bytes)) {
      log(`${k.padEnd(7)} ${String(e.files).padStart(5)} files ${(e.bytes / 1e6).toFixed(2).padStart(6)} MB ${e.ms.toFixed(0).padStart(6)} ms ${e.mbPerSecond.toFixed(1).padStart(6)} MB/s ${e.references} refs`);
    }
    log(`all     ${files} files ${(total / 1e6).toFixed(2)} MB ${totalMs.toFixed(0)} ms ${(total / 1e6 / (totalMs / 1000)).toFixed(1)} MB/s, ${refsTotal} refs, ${errors} errors`);

    // One 5 000-line HTML file, re-extracted as after a save.
    const hl: string[] = ['<!doctype html>', '<html><head><link rel="icon" href="/favicon.ico"></head><body>'];
    while (hl.length < 4999) {
      const k = r();
      if (k < 0.1) hl.push(`<img src="img/${images[hl.length % 500]}" srcset="img/${images[(hl.length + 1) % 500]} 1x, img/${images[(hl.length + 2) % 500]} 2x" alt="x">`);
      else if (k < 0.15) hl.push(`<div style="background:url('/img/${images[hl.length % 500]}')"><!-- <img src="old.png"> --></div>`);
      else hl.push(`<p class="${WORDS[hl.length % WORDS.length]}">${Array.from({ length: 10 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ')} <a href="/p${hl.length}.html">more</a></p>`);
    }
    hl.push('</body></html>');
    const big = hl.join('\n');
    const bigPath = path.join(dir, 'big.html');
    fs.writeFileSync(bigPath, big);
    for (let i = 0; i < 5; i++) extractReferences(bigPath, big, opts);
    const times: number[] = [];
    let bigRefs = 0;
    for (let i = 0; i < 30; i++) {
      const t0 = process.hrtime.bigint();
      bigRefs = extractReferences(bigPath, big, opts).references.length;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    // Floor: htmlparser2 alone on the same text, interleaved runs (the machine is shared and noisy).
    const floor: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = process.hrtime.bigint();
      new Parser({ onattribute() { /* count nothing */ } }).end(big);
      floor.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    floor.sort((a, b) => a - b);
    const floorMedian = floor[Math.floor(floor.length / 2)];
    log(`5000-line HTML (${(big.length / 1e3).toFixed(0)} kB, ${bigRefs} refs): median ${median.toFixed(2)} ms, min ${times[0].toFixed(2)} ms (target < 20 ms); htmlparser2 alone: median ${floorMedian.toFixed(2)} ms`);
    return {
      files, bytes: total, perType,
      overall: { ms: +totalMs.toFixed(1), mbPerSecond: +(total / 1e6 / (totalMs / 1000)).toFixed(2), references: refsTotal, errors },
      html5000: { lines: hl.length, bytes: big.length, references: bigRefs, medianMs: +median.toFixed(2), minMs: +times[0].toFixed(2), runs: times.length, targetMs: 20, pass: median < 20, htmlparser2AloneMedianMs: +floorMedian.toFixed(2) },
      loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
      node: process.version,
      cpus: os.cpus().length,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const out = arg('--out') ?? path.join('bench-results', 'refs.json');
  runRefsBench(Number(arg('--files') ?? 10_000)).then((res) => {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(res, null, 2) + '\n');
    console.log(`wrote ${out}`);
  }).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
