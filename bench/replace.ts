/**
 * Replacement benchmark (daemon/replace).
 *
 *   node out/bench/replace.js [--files N] [--refs N] [--rounds N] [--out bench-results/replace.json]
 *
 * Generates a deterministic site in a temp dir: N (default 300) source files (HTML, CSS, Markdown, TSX, JSON)
 * with, in all, `--refs` (default 1 000) references to duplicate copies plus as many to canonicals and other
 * images; 60 duplicate groups of 1 canonical + 3 exact copies (small files). Builds referencesTo with the real
 * extractor and resolver, then per round times makePlan (with delete), applyPlan and undoLast, and checks that
 * undo gives back a byte-identical tree (SHA-256 and mode of every file and folder). Writes the figures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { extractFile, languageOf, resolveReference, type ResolveOptions } from '../daemon/refs';
import { applyPlan, makePlan, undoLast, type ImageReference, type ReplaceGroup } from '../daemon/replace';
import { rng } from '../test/fixtures/keys';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function snapshot(dir: string): string {
  const h = createHash('sha256');
  const go = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      h.update(`${path.relative(dir, p)}\0${st.mode}\0`);
      if (e.isDirectory()) go(p);
      else h.update(sha(fs.readFileSync(p)));
    }
  };
  go(dir);
  return h.digest('hex');
}

const GROUPS = 60;
const COPIES = 3;

function generateSite(dir: string, files: number, dupRefs: number): { groups: ReplaceGroup[]; resolve: ResolveOptions } {
  const r = rng(42);
  const write = (rel: string, data: string | Buffer) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
  };
  const groups: ReplaceGroup[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const bytes = Buffer.alloc(1500 + g * 37);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
    bytes.set([0x89, 0x50, 0x4e, 0x47], 0);
    const canonical = `public/img/shared/img-${g}.png`;
    const members = [canonical, ...Array.from({ length: COPIES }, (_, c) => `public/img/copies/s${c}/img-${g}.png`)];
    for (const m of members) write(m, bytes);
    groups.push({
      id: `g${g}`,
      class: 'exact',
      canonical: path.join(dir, canonical),
      members: members.map((m) => ({ path: path.join(dir, m), class: 'exact' as const, sha256: sha(bytes), bytes: bytes.length })),
    });
  }
  for (let i = 0; i < 40; i++) write(`public/img/other/o-${i}.png`, Buffer.from(`other ${i}`));
  const copyRel = () => `img/copies/s${Math.floor(r() * COPIES)}/img-${Math.floor(r() * GROUPS)}.png`;
  const canonRel = () => `img/shared/img-${Math.floor(r() * GROUPS)}.png`;
  const otherRel = () => `img/other/o-${Math.floor(r() * 40)}.png`;
  const kinds = ['html', 'css', 'md', 'tsx', 'json'];
  // Spread dupRefs references to copies over the files.
  const perFile = Array.from({ length: files }, () => 0);
  for (let i = 0; i < dupRefs; i++) perFile[Math.floor(r() * files)]++;
  for (let f = 0; f < files; f++) {
    const kind = kinds[f % kinds.length];
    const n = perFile[f];
    const lines: string[] = [];
    const filler = () => 'The city council meets at the library on Tuesdays; the park by the river opens at eight.';
    switch (kind) {
      case 'html':
        lines.push('<!doctype html>', '<html><head><meta charset="utf-8"><title>Page</title></head><body>');
        for (let i = 0; i < n; i++) {
          lines.push(`<p>${filler()}</p>`, r() < 0.5 ? `<img src="../${copyRel()}" alt="">` : `<img src="/${copyRel()}?v=${i}" alt="">`);
          lines.push(`<img src="../${canonRel()}" alt=""><img src="../${otherRel()}" alt="">`);
        }
        lines.push('</body></html>');
        break;
      case 'css':
        for (let i = 0; i < n; i++)
          lines.push(`.c${i} { background: url(../${copyRel()}) no-repeat; }`, `.d${i} { background: url("/${canonRel()}"); color: red; }`);
        break;
      case 'md':
        lines.push('# Page', '');
        for (let i = 0; i < n; i++) lines.push(filler(), '', `![pic ${i}](../${copyRel()})`, '', `![other](../${otherRel()})`, '');
        break;
      case 'tsx':
        for (let i = 0; i < n; i++) lines.push(`import p${i} from '../${copyRel()}';`);
        lines.push('', 'export const C = () => <div>' + Array.from({ length: n }, (_, i) => `<img src={p${i}} />`).join('') + '</div>;');
        break;
      case 'json':
        lines.push(
          JSON.stringify(
            { name: 'x', icons: Array.from({ length: n }, (_, i) => ({ src: `/${copyRel()}`, sizes: `${16 * (i + 1)}x${16 * (i + 1)}` })) },
            null,
            2,
          ),
        );
        break;
    }
    write(`public/${kind}/f-${f}.${kind}`, lines.join('\n') + '\n');
  }
  return { groups, resolve: { roots: [dir], webRoots: [path.join(dir, 'public')] } };
}

async function buildIndex(dir: string, resolve: ResolveOptions): Promise<(p: string) => ImageReference[]> {
  const byTarget = new Map<string, ImageReference[]>();
  for (const source of walk(dir).filter((p) => languageOf(p) !== undefined)) {
    for (const ref of (await extractFile(source, { resolve })).references) {
      const target = resolveReference(source, ref.value, { ...resolve, kind: ref.kind });
      if (!target) continue;
      const list = byTarget.get(target) ?? [];
      list.push({ source, target, ...ref });
      byTarget.set(target, list);
    }
  }
  return (p) => byTarget.get(path.resolve(p)) ?? [];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const files = Number(arg('--files') ?? 300);
  const refs = Number(arg('--refs') ?? 1000);
  const rounds = Number(arg('--rounds') ?? 3);
  const out = arg('--out') ?? path.join('bench-results', 'replace.json');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-replace-'));
  const dir = path.join(tmp, 'site');
  const indexDir = path.join(tmp, 'index');
  try {
    const { groups, resolve } = generateSite(dir, files, refs);
    const original = snapshot(dir);
    let t = process.hrtime.bigint();
    const referencesTo = await buildIndex(dir, resolve);
    const indexMs = ms(t);
    const plans: number[] = [];
    const applies: number[] = [];
    const undos: number[] = [];
    let edits = 0;
    let editedFiles = 0;
    let removals = 0;
    let identical = true;
    for (let round = 0; round < rounds; round++) {
      t = process.hrtime.bigint();
      const plan = await makePlan({ groups, referencesTo, resolve }, { delete: true });
      plans.push(ms(t));
      edits = plan.files.reduce((s, f) => s + f.edits.length, 0);
      editedFiles = plan.files.length;
      removals = plan.removals.length;
      t = process.hrtime.bigint();
      await applyPlan(plan, { indexDir, referencesTo, groups, resolve });
      applies.push(ms(t));
      if (snapshot(dir) === original) throw new Error('apply changed nothing');
      t = process.hrtime.bigint();
      await undoLast({ indexDir, roots: resolve.roots });
      undos.push(ms(t));
      if (snapshot(dir) !== original) identical = false;
    }
    const sourceFiles = walk(dir).filter((p) => languageOf(p) !== undefined).length;
    const imageFiles = walk(dir).length - sourceFiles;
    const res = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      site: { sourceFiles, imageFiles, groups: GROUPS, copiesPerGroup: COPIES, duplicateReferencesGenerated: refs },
      plan: { edits, editedFiles, removals },
      ms: {
        buildReferenceIndex: Math.round(indexMs),
        makePlan: { median: Math.round(median(plans)), all: plans.map(Math.round) },
        applyPlan: { median: Math.round(median(applies)), all: applies.map(Math.round) },
        undoLast: { median: Math.round(median(undos)), all: undos.map(Math.round) },
      },
      undoRestoresByteIdenticalTree: identical,
      rounds,
    };
    console.log(JSON.stringify(res, null, 2));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(res, null, 2) + '\n');
    if (!identical) process.exitCode = 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
