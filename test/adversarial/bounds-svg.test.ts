/**
 * Unbounded SVG (issue 10, item 5): a 19 MB SVG of 200 000 `<rect>` took 1.5–2 GB of RSS to scan, four of
 * them 7.5 GB, and a long stroked path held a decode for minutes. Each case runs the real CLI as a process
 * and measures the peak RSS (VmHWM) of every Node process it starts (the scan and any SVG renderer), with a
 * preload that writes /proc/self/status at exit: an RSS bound is a correctness bound here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fingerprint, DEFAULT_MAX_SVG_BYTES, MAX_SVG_ELEMENTS, MAX_SVG_PATH_NUMBERS } from '../../daemon/hash';
import { formatBytes } from '../../protocol/units';
import { BIN } from '../helpers/cli';
import { makeSvg, tempDir } from '../fixtures/images';

const RSS_BOUND_MB = 300;

/** About 19 MB: 200 000 half-transparent rectangles, `seed` making each file's content distinct. */
function hugeSvg(seed: number): string {
  const parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000">'];
  for (let i = 0; i < 200_000; i++) {
    const colour = (((i + seed) * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 6);
    parts.push(
      `<rect x="${i % 2000}" y="${(i * 7) % 2000}" width="${10 + (i % 50)}" height="${10 + (i % 30)}" fill="#${colour}" stroke="#102030" opacity="0.5"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Under the byte limit, over the element limit: 300 000 empty groups in 1.5 MB. */
function manyElementsSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">${'<g/>'.repeat(300_000)}</svg>`;
}

/** A self-overlapping stroked path: cheap to store, slow to render (20 000 segments took ~4 s here). */
function slowPathSvg(segments: number): Buffer {
  const d = ['M0 0'];
  for (let i = 0; i < segments; i++) d.push(`l${(i % 7) - 3} ${(i % 5) - 2}`);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><path d="${d.join('')}" fill="none" stroke="red"/></svg>`,
  );
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS of each Node process started (the scan first), in MB. */
  peaksMb: number[];
}

/** Runs `doublon scan --json --no-daemon root` with every Node process reporting its VmHWM at exit. */
async function scanMeasured(work: string, root: string): Promise<Run> {
  const peaks = path.join(work, 'peaks');
  fs.mkdirSync(peaks, { recursive: true });
  const preload = path.join(work, 'hwm.js');
  fs.writeFileSync(
    preload,
    `process.on('exit', () => {
  const hwm = /VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
  require('fs').writeFileSync(require('path').join(${JSON.stringify(peaks)}, process.pid + '.kb'), hwm ? hwm[1] : '0');
});\n`,
  );
  const child = spawn(process.execPath, ['--require', preload, BIN, 'scan', '--json', '--no-daemon', root], {
    cwd: work,
    env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const own = path.join(peaks, `${child.pid}.kb`);
  const files = fs.readdirSync(peaks).map((f) => path.join(peaks, f));
  const ordered = [own, ...files.filter((f) => f !== own)].filter((f) => fs.existsSync(f));
  return { code, stdout, stderr, peaksMb: ordered.map((f) => Number(fs.readFileSync(f, 'utf8')) / 1024) };
}

interface ScanJson {
  groups: Array<{ members: Array<{ path: string }> }>;
  errors: Array<{ path: string; message: string }>;
}

describe('adversarial: SVG bounds (issue 10, item 5)', function () {
  this.timeout(180_000);
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => {
    dir = tempDir('doublon-bounds-svg-');
  });
  afterEach(() => dir.cleanup());

  function site(files: Record<string, string | Buffer>): string {
    const root = path.join(dir.path, 'site');
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    }
    return root;
  }

  function assertScanned(run: Run, refused: string[], reason: RegExp): ScanJson {
    assert.equal(run.code, 0, `scan exits 0: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as ScanJson;
    assert.deepEqual(report.errors.map((e) => path.basename(e.path)).sort(), refused.sort());
    for (const error of report.errors) assert.match(error.message, reason);
    // The scan went on: the normal icon and its copy are still grouped.
    assert.deepEqual(
      report.groups.map((g) => g.members.map((m) => path.basename(m.path)).sort()),
      [['icon-copy.svg', 'icon.svg']],
    );
    assert.ok(run.peaksMb.length >= 1, 'the scan reported its peak RSS');
    for (const peak of run.peaksMb)
      assert.ok(
        peak < RSS_BOUND_MB,
        `peak RSS ${peak.toFixed(0)} MB of a process, bound ${RSS_BOUND_MB} MB (all: ${run.peaksMb.map((p) => p.toFixed(0)).join(', ')})`,
      );
    return report;
  }

  it('a 19 MB SVG is listed as an error and the scan stays under 300 MB', async () => {
    const huge = hugeSvg(0);
    assert.ok(huge.length > DEFAULT_MAX_SVG_BYTES * 3);
    const root = site({ 'huge.svg': huge, 'icon.svg': makeSvg(3), 'img/icon-copy.svg': makeSvg(3) });
    const run = await scanMeasured(dir.path, root);
    assertScanned(
      run,
      ['huge.svg'],
      /^SVG is 1[0-9] MB, above the limit of 5\.0 MB for SVG files \(maxSvgBytes in doublon\.config\.json\)$/,
    );
  });

  it('four different 19 MB SVGs at once: all listed, still under 300 MB', async () => {
    const files: Record<string, string | Buffer> = { 'icon.svg': makeSvg(3), 'img/icon-copy.svg': makeSvg(3) };
    for (let k = 1; k <= 4; k++) files[`huge-${k}.svg`] = hugeSvg(k);
    const run = await scanMeasured(dir.path, site(files));
    assertScanned(run, ['huge-1.svg', 'huge-2.svg', 'huge-3.svg', 'huge-4.svg'], /above the limit of 5\.0 MB for SVG files/);
  });

  it('an SVG under the byte limit but with 300 000 elements is refused before librsvg parses it', async () => {
    const root = site({ 'many.svg': manyElementsSvg(), 'icon.svg': makeSvg(3), 'img/icon-copy.svg': makeSvg(3) });
    const run = await scanMeasured(dir.path, root);
    assertScanned(
      run,
      ['many.svg'],
      new RegExp(
        `^SVG has 300,00[0-9] elements, above the limit of ${MAX_SVG_ELEMENTS.toLocaleString('en-US')} \\(rendering it would take too much memory\\)$`,
      ),
    );
  });

  it('maxSvgBytes in doublon.config.json sets the byte limit', async () => {
    const padded = makeSvg(4)
      .toString('utf8')
      .replace('</svg>', `<!-- ${'padding '.repeat(500)}--></svg>`);
    const root = site({ 'icon.svg': makeSvg(3), 'img/icon-copy.svg': makeSvg(3), 'big-icon.svg': padded });
    const limit = fs.statSync(path.join(root, 'icon.svg')).size + 100;
    assert.ok(Buffer.byteLength(padded) > limit);
    fs.writeFileSync(path.join(root, 'doublon.config.json'), JSON.stringify({ maxSvgBytes: limit }));
    const run = await scanMeasured(dir.path, root);
    assertScanned(
      run,
      ['big-icon.svg'],
      new RegExp(
        `^SVG is [0-9.]+ K?B, above the limit of ${formatBytes(limit).replace('.', '\\.')} for SVG files \\(maxSvgBytes in doublon\\.config\\.json\\)$`,
      ),
    );
  });

  it('path data past the limit is refused without rendering; a slow render is stopped by the time limit', async () => {
    const numbers = MAX_SVG_PATH_NUMBERS / 2 + 10;
    await assert.rejects(
      fingerprint(slowPathSvg(numbers)),
      /^ImageDecodeError: SVG has [0-9,]+ numbers of path data, above the limit of 500,000 \(rendering it would take too long\)$/,
    );
    await assert.rejects(
      fingerprint(slowPathSvg(20_000), { svgTimeoutMs: 300 }),
      /^ImageDecodeError: SVG took longer than 0\.3 s to render; refused \(too complex\)$/,
    );
    // The renderer was killed; the next SVG gets a fresh one and renders as before.
    const normal = await fingerprint(makeSvg(3));
    assert.equal(normal.format, 'svg');
  });
});
