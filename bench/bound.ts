/**
 * How many verifications the similarity graph may skip: the graph is built over the same fingerprints with
 * several per-newcomer bounds (MAX_VERIFICATIONS and others, and no bound), and scored on labelled pairs —
 * the photo benchmark corpus (bench/corpus.ts), the real-world sets (../shared/realworld, `same` pairs) —
 * as recall of pairs that end up in one component (exact copies joined, as grouping does), with the
 * verifications made. An icon family (a folder of one theme) shows the cost the bound saves.
 *
 *   node out/bench/bound.js [--bounds 4,8,12,16,24,0] [--sets realworld,icons,photos]
 *                           [--icons /usr/share/icons/Papirus/48x48/apps] [--icon-count 1000]
 *
 * A bound of 0 means none. DOUBLON_CORPUS and DOUBLON_REALWORLD name the shared folders when they are not
 * beside the repository. Writes bench-results/bound.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_NEAR_THRESHOLDS, fingerprint, pixelDigest, sha256, type Fingerprint } from '../daemon/hash';
import { SimilarityGraph, type GraphStats } from '../daemon/groups/similarity-graph';
import { UnionFind } from '../daemon/groups/union-find';
import { buildCorpus } from './corpus';

interface LabelledSet {
  name: string;
  files: string[];
  /** Pairs (indices into files) that must end up together. */
  positives: Array<[number, number]>;
}

interface Loaded {
  set: LabelledSet;
  shaOf: (string | undefined)[];
  contents: Map<string, { fp: Fingerprint; file: string }>;
}

async function mapInFlight<T>(items: T[], inFlight: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

async function load(set: LabelledSet): Promise<Loaded> {
  const shaOf: (string | undefined)[] = new Array(set.files.length);
  const contents = new Map<string, { fp: Fingerprint; file: string }>();
  await mapInFlight(set.files, 4, async (file, i) => {
    const bytes = fs.readFileSync(file);
    const sha = sha256(bytes);
    shaOf[i] = sha;
    if (contents.has(sha)) return;
    try {
      contents.set(sha, { fp: await fingerprint(bytes), file });
    } catch {
      /* undecodable: only exact copies can pair */
    }
  });
  return { set, shaOf, contents };
}

async function score(
  loaded: Loaded,
  bound: number,
): Promise<{ recall: number; found: number; positives: number; stats: GraphStats; ms: number }> {
  const digests = new Map<string, Promise<string | undefined>>();
  const graph = new SimilarityGraph({
    thresholds: DEFAULT_NEAR_THRESHOLDS,
    maxVerifications: bound > 0 ? bound : Number.MAX_SAFE_INTEGER,
    pixelDigest: (sha) => {
      let d = digests.get(sha);
      if (!d) {
        const file = loaded.contents.get(sha)?.file;
        d = file ? pixelDigest(fs.readFileSync(file)).catch(() => undefined) : Promise.resolve(undefined);
        digests.set(sha, d);
      }
      return d;
    },
  });
  const started = performance.now();
  // In path order, as the scan adds them.
  const order = [...loaded.contents].sort((a, b) => (a[1].file < b[1].file ? -1 : 1));
  for (const [sha, { fp }] of order) await graph.add(sha, fp);
  const ms = performance.now() - started;
  const { shaOf, set } = loaded;
  const ids = new Map<string, number>();
  shaOf.forEach((sha) => {
    if (sha && !ids.has(sha)) ids.set(sha, ids.size);
  });
  const sets = new UnionFind(ids.size);
  for (const pair of graph.pairs()) sets.union(ids.get(pair.a)!, ids.get(pair.b)!);
  let found = 0;
  for (const [a, b] of set.positives) {
    const sa = shaOf[a],
      sb = shaOf[b];
    if (sa && sb && sets.find(ids.get(sa)!) === sets.find(ids.get(sb)!)) found++;
  }
  return { recall: found / Math.max(1, set.positives.length), found, positives: set.positives.length, stats: { ...graph.stats }, ms };
}

function realworldSet(name: string): LabelledSet | undefined {
  const dir = process.env.DOUBLON_REALWORLD ?? path.resolve(__dirname, '../../../shared/realworld');
  const tsv = path.join(dir, `${name}.pairs.tsv`);
  if (!fs.existsSync(tsv)) return undefined;
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(png|jpe?g|gif|webp|svg|tiff?|avif)$/i.test(e.name)) files.push(p);
    }
  };
  walk(path.join(dir, name));
  files.sort();
  const index = new Map(files.map((f, i) => [path.relative(path.join(dir, name), f).split(path.sep).join('/'), i]));
  const positives: Array<[number, number]> = [];
  for (const line of fs.readFileSync(tsv, 'utf8').split('\n').slice(1)) {
    const [a, b, label] = line.split('\t');
    if (label !== 'same') continue;
    const ia = index.get(a),
      ib = index.get(b);
    if (ia !== undefined && ib !== undefined) positives.push([ia, ib]);
  }
  return { name: `realworld/${name}`, files, positives };
}

function iconSet(dir: string, count: number): LabelledSet | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.svg'))
    .map((e) => path.join(dir, e.name))
    .sort()
    .slice(0, count);
  return { name: `icons ${dir} (${files.length})`, files, positives: [] };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const bounds = arg('--bounds', '4,8,12,16,24,0').split(',').map(Number);
  const wanted = new Set(arg('--sets', 'realworld,icons,photos').split(','));
  const sets: LabelledSet[] = [];
  if (wanted.has('realworld')) sets.push(...['18f', 'gentelella'].flatMap((n) => realworldSet(n) ?? []));
  if (wanted.has('icons'))
    sets.push(
      ...[iconSet(arg('--icons', '/usr/share/icons/Papirus/48x48/apps'), Number(arg('--icon-count', '1000')))].flatMap((s) => s ?? []),
    );
  if (wanted.has('photos')) {
    const corpus = await buildCorpus(path.join(os.tmpdir(), 'doublon-bench-corpus'), { log: (s) => console.log(s) });
    sets.push({
      name: `photo corpus (${corpus.source})`,
      files: corpus.files.map((f) => f.path),
      positives: corpus.positives.map((p) => [p.a, p.b]),
    });
  }
  const results: unknown[] = [];
  for (const set of sets) {
    const loaded = await load(set);
    console.log(
      `\n${set.name}: ${set.files.length} files, ${loaded.contents.size} decoded contents, ${set.positives.length} labelled same pairs`,
    );
    console.log('bound  recall          verified  per image  max  implied  dropped  candidates  graph ms');
    for (const bound of bounds) {
      const r = await score(loaded, bound);
      const s = r.stats;
      console.log(
        `${String(bound || '∞').padStart(5)}  ${r.recall.toFixed(4)} ${`${r.found}/${r.positives}`.padStart(9)}  ${String(s.verified).padStart(8)}  ${(s.verified / Math.max(1, s.added)).toFixed(2).padStart(9)}  ${String(s.maxPerImage).padStart(3)}  ${String(s.implied).padStart(7)}  ${String(s.dropped).padStart(7)}  ${String(s.candidates).padStart(10)}  ${r.ms.toFixed(0).padStart(8)}`,
      );
      results.push({ set: set.name, bound, ...r });
    }
  }
  const out = path.resolve(__dirname, '../../bench-results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'bound.json'), JSON.stringify(results, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
