/**
 * The similarity stage alone (candidates + verification + grouping), against hashing — `sha256` and
 * `fingerprint()` of the same photos, 4 in flight as the scanner does — and against the naive sharp decode,
 * both measured in the same run. Issue 9's target: at 10⁵ distinct images the stage costs ≤ 10 % of hashing;
 * at 10⁶, its time and growth exponent.
 *
 * Fingerprints are simulated (random keys on real thumbnails: distinct images to the index, real work to
 * verification; every 10th a near copy of an earlier one in its keys, so candidates are verified):
 * - a full build of 10⁴ of them, then grouping (starGroups), gives the per-image cost of verification and
 *   grouping (the build minus its search, estimated by a newcomer's search at 5·10³, the build's mean size);
 * - the search of one newcomer on graphs of 5·10³ … 10⁶ contents restored from a snapshot (random keys: the
 *   newcomer has no candidate, the cost is the scan). A build adds against an index growing from 0 to N, so
 *   its mean search cost is that at N/2: the stage at 10⁵ is search(5·10⁴) + verification and grouping.
 *   The growth exponent of a build is 1 + the slope of log(search) from 10⁵ to 10⁶.
 *
 * Times are wall and CPU (process.cpuUsage: every thread of the process, so hashing's libvips threads
 * count): the machine is shared, and CPU time is what load does not inflate. With `--baseline DIR` (another
 * build's out/, e.g. main's) its SimilarityGraph is measured in the same run, newcomers interleaved in ABBA
 * blocks, so the before/after ratio is not a comparison of two loads.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_NEAR_THRESHOLDS, fingerprint, indexKeys, sha256, type Fingerprint } from '../daemon/hash';
import { CanonicalChooser } from '../daemon/groups/canonical';
import { starGroups, type ImageEntry } from '../daemon/groups/build';
import * as current from '../daemon/groups/similarity-graph';
import type { GraphOptions, GraphSnapshot, SimilarityGraph } from '../daemon/groups/similarity-graph';
import { buildCorpus, corpusDir } from './corpus';
import { flipBits, randomKey, rng } from './hamming';

/** What the stage needs of a similarity-graph module (this build's, or a baseline build's). */
interface GraphModule {
  SimilarityGraph: {
    new (options: GraphOptions): SimilarityGraph;
    restore(s: GraphSnapshot, o: GraphOptions): SimilarityGraph | undefined;
  };
  SNAPSHOT_VERSION: number;
  /** The settings key of a snapshot (absent from builds before the verification rules were part of it). */
  snapshotSettings?: (thresholds: typeof DEFAULT_NEAR_THRESHOLDS) => string;
}

interface Cost {
  wallMs: number;
  cpuMs: number;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function timed(run: () => Promise<unknown>): Promise<Cost> {
  const c = cpuMs();
  const w = performance.now();
  await run();
  return { wallMs: performance.now() - w, cpuMs: cpuMs() - c };
}

const per = (c: Cost, n: number): Cost => ({ wallMs: c.wallMs / n, cpuMs: c.cpuMs / n });
const sum = (a: Cost, b: Cost): Cost => ({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs });
const show = (c: Cost, digits = 3): string => `${c.wallMs.toFixed(digits)} ms wall, ${c.cpuMs.toFixed(digits)} ms CPU`;
const pct = (a: Cost, b: Cost): string =>
  `${((100 * a.wallMs) / b.wallMs).toFixed(1)} % wall, ${((100 * a.cpuMs) / b.cpuMs).toFixed(1)} % CPU`;

async function originals(): Promise<Buffer[]> {
  const corpus = await buildCorpus(path.join(os.tmpdir(), 'doublon-bench-corpus'), {});
  return corpus.files
    .filter((f) => f.transform === undefined)
    .slice(0, 200)
    .map((f) => fs.readFileSync(f.path));
}

/** Runs `task` over the files, 4 in flight (the scanner's DEFAULT_CONCURRENCY, the naive pass's 4). */
async function fourInFlight(files: Buffer[], task: (bytes: Buffer) => Promise<unknown>): Promise<Cost> {
  let next = 0;
  const cost = await timed(() =>
    Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < files.length) await task(files[next++]).catch(() => undefined);
      }),
    ),
  );
  return per(cost, files.length);
}

const naive = (bytes: Buffer): Promise<unknown> => sharp(bytes).greyscale().resize(32, 32).raw().toBuffer();
const hashing = (bytes: Buffer): Promise<unknown> => {
  sha256(bytes);
  return fingerprint(bytes);
};

/** Hashing and the naive decode per image, in ABBA order (naive, hash, hash, naive) over the same photos. */
async function baselines(): Promise<{ naive: Cost; hashing: Cost }> {
  const files = await originals();
  await fourInFlight(files, naive); // caches and code warm for both
  const n1 = await fourInFlight(files, naive);
  const h1 = await fourInFlight(files, hashing);
  const h2 = await fourInFlight(files, hashing);
  const n2 = await fourInFlight(files, naive);
  return { naive: per(sum(n1, n2), 2), hashing: per(sum(h1, h2), 2) };
}

/**
 * Real fingerprints with random keys: distinct images to the index, real thumbnails to verification. With
 * `nearCopies`, every 10th is a near copy of an earlier one in its keys (10–60 bits flipped per key).
 */
async function simulatedFingerprints(n: number, seed: number, nearCopies: boolean): Promise<Fingerprint[]> {
  const corpus = await buildCorpus(path.join(os.tmpdir(), 'doublon-bench-corpus'), {});
  const real: Fingerprint[] = [];
  // Opaque photos only: a transparent base would lend its silhouette (shape key) to every image made from it.
  for (const f of corpus.files.filter((x) => x.transform === undefined && /\.jpe?g$/i.test(x.name)).slice(0, 200)) {
    try {
      const fp = await fingerprint(fs.readFileSync(f.path));
      if (!fp.transparent) real.push(fp);
    } catch {
      /* skip */
    }
  }
  const next = rng(seed);
  const out: Fingerprint[] = [];
  for (let i = 0; i < n; i++) {
    const base = real[next() % real.length];
    const of = nearCopies && i >= 10 && i % 10 === 0 ? out[next() % i] : undefined;
    const key = (k: Uint8Array | undefined): Uint8Array => (k ? flipBits(k, 10 + (next() % 50), next) : randomKey(next));
    const hash = key(of?.hash);
    const crops = new Uint8Array(base.crops.length);
    for (let k = 0; k < crops.length / 32; k++) crops.set(key(of?.crops.subarray(32 * k, 32 * k + 32)), 32 * k);
    const variants = new Uint8Array(256);
    variants.set(hash, 0);
    for (let d = 1; d < 8; d++) variants.set(randomKey(next), 32 * d);
    out.push({ ...base, hash, crops, variants });
  }
  return out;
}

const graphOptions: GraphOptions = { thresholds: DEFAULT_NEAR_THRESHOLDS, pixelDigest: async () => undefined };

/** A graph of `size` contents restored from a snapshot (random index keys: no search, no decoding). */
function restoredGraph(graphs: GraphModule, size: number, keysPerImage: number): SimilarityGraph {
  const next = rng(size);
  const nodes: GraphSnapshot['nodes'] = [];
  for (let i = 0; i < size; i++)
    nodes.push({ sha256: `m${i}`, keys: Buffer.concat(Array.from({ length: keysPerImage }, () => randomKey(next))) });
  const t = DEFAULT_NEAR_THRESHOLDS;
  const settings = graphs.snapshotSettings?.(t) ?? JSON.stringify(t, Object.keys(t).sort());
  const snapshot = { version: graphs.SNAPSHOT_VERSION, settings, nodes, pairs: [], rejected: [] };
  const graph = graphs.SimilarityGraph.restore(snapshot, graphOptions);
  if (!graph) throw new Error('snapshot not restored');
  return graph;
}

function entryOf(sha: string, fp: Fingerprint): ImageEntry {
  return {
    path: `/site/${sha}.jpg`,
    relativePath: `${sha}.jpg`,
    bytes: 1000,
    width: fp.width,
    height: fp.height,
    lossless: false,
    mtimeMs: 0,
    references: 0,
    sha256: sha,
    fingerprint: fp,
  };
}

interface BuildResult {
  images: number;
  add: Cost;
  grouping: Cost;
  verified: number;
  groups: number;
}

/** A full build of `fps` (graph.add each, in order), then grouping with the canonical–member verification. */
async function fullBuild(graphs: GraphModule, fps: Fingerprint[]): Promise<BuildResult> {
  const graph = new graphs.SimilarityGraph(graphOptions);
  const add = await timed(async () => {
    for (let i = 0; i < fps.length; i++) await graph.add(`s${i}`, fps[i]);
  });
  const entries = fps.map((fp, i) => entryOf(`s${i}`, fp));
  const chooser = new CanonicalChooser(['highest-resolution', 'lossless', 'smallest-file', 'shortest-path'], () => 0);
  let groups = 0;
  const grouping = await timed(async () => {
    const result = await starGroups(entries, graph, {
      thresholds: DEFAULT_NEAR_THRESHOLDS,
      chooser,
      ignoredFile: () => false,
      distinctSets: [],
    });
    groups = result.groups.length;
  });
  return { images: fps.length, add, grouping, verified: graph.stats.verified, groups };
}

/**
 * One newcomer's search on restored graphs of `size`, for each module, in ABBA blocks of probes (each graph
 * sees every probe once); the first probe of each graph is a warm-up, not counted.
 */
async function newcomers(modules: GraphModule[], size: number, keysPerImage: number, probes: Fingerprint[]): Promise<Cost[]> {
  const graphs = modules.map((m) => restoredGraph(m, size, keysPerImage));
  for (const g of graphs) await g.add('warm-up', probes[0]);
  const totals: Cost[] = graphs.map(() => ({ wallMs: 0, cpuMs: 0 }));
  const block = 10;
  for (let first = 1, round = 0; first < probes.length; first += block, round++) {
    const order = round % 2 === 0 ? graphs.keys() : [...graphs.keys()].reverse();
    for (const g of order) {
      const cost = await timed(async () => {
        for (let i = first; i < Math.min(probes.length, first + block); i++) await graphs[g].add(`p${i}`, probes[i]);
      });
      totals[g] = sum(totals[g], cost);
    }
  }
  return totals.map((t) => per(t, probes.length - 1));
}

export interface StageOptions {
  /** The largest simulated graph (default 10⁶). */
  million: number;
  /** Newcomers timed per graph size. */
  probes: number;
  /** Another build's out/ folder: its SimilarityGraph measured in the same run. */
  baseline?: string;
}

export async function similarityStage(options: StageOptions): Promise<Record<string, unknown>> {
  // Checked before the minutes of hashing: without the photographs (a worktree beside no ../shared), buildCorpus
  // generates images, none of them a JPEG original to simulate fingerprints from.
  if (!corpusDir())
    throw new Error('the similarity stage needs the real photographs of the corpus: set DOUBLON_CORPUS to the shared corpus folder');
  const modules: Array<{ name: string; graphs: GraphModule }> = [{ name: 'this build', graphs: current }];
  if (options.baseline) {
    const file = path.resolve(options.baseline, 'daemon/groups/similarity-graph.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module chosen at run time: another build's
    modules.push({ name: `baseline ${options.baseline}`, graphs: require(file) as GraphModule });
  }
  const { naive, hashing: hash } = await baselines();
  console.log(`per image, 4 in flight: hashing (sha256 + fingerprint) ${show(hash, 2)}; naive decode ${show(naive, 2)}`);

  const n = 10_000;
  const fps = await simulatedFingerprints(n, n, true);
  const builds: BuildResult[] = [];
  for (const { name, graphs } of modules) {
    const b = await fullBuild(graphs, fps);
    builds.push(b);
    console.log(
      `${name}: full build of ${n}: add ${show(per(b.add, n))} per image, grouping ${show(per(b.grouping, n))} per image; ${b.verified} verifications, ${b.groups} groups`,
    );
  }

  const keysPerImage = indexKeys(fps[0]).length;
  // No near copies among the newcomers: each is timed on its search alone (a verification costs 10× a search).
  const probes = await simulatedFingerprints(options.probes + 1, 11, false);
  // 5·10⁴ and 10⁵ always: the stage at 10⁵ is read from them, whatever the largest size asked for.
  const largest = Math.max(options.million, 100_000);
  const sizes = [5_000, 50_000, 100_000, 500_000, largest].filter((s, i, all) => s <= largest && all.indexOf(s) === i);
  const search: Cost[][] = modules.map(() => []);
  for (const size of sizes) {
    const costs = await newcomers(
      modules.map((m) => m.graphs),
      size,
      keysPerImage,
      probes,
    );
    costs.forEach((c, m) => search[m].push(c));
    console.log(`  one newcomer's search on a graph of ${size}: ${modules.map((m, i) => `${m.name} ${show(costs[i])}`).join(' | ')}`);
  }

  const at = (m: number, size: number): Cost => search[m][sizes.indexOf(size)];
  const results = modules.map(({ name }, m) => {
    const b = builds[m];
    // Verification and grouping per image: the build minus its search (at its mean size, 5·10³), plus grouping.
    const verification: Cost = {
      wallMs: Math.max(0, b.add.wallMs / n - at(m, 5_000).wallMs),
      cpuMs: Math.max(0, b.add.cpuMs / n - at(m, 5_000).cpuMs),
    };
    const rest = sum(verification, per(b.grouping, n));
    const stage100k = sum(at(m, 50_000), rest);
    // A build of `largest` searches graphs of 0 to largest: its mean search is that at largest / 2 (when measured).
    const stageMillion = sum(at(m, sizes.includes(largest / 2) ? largest / 2 : largest), rest);
    const exponent = 1 + Math.log(at(m, largest).cpuMs / at(m, 100_000).cpuMs) / Math.log(largest / 100_000);
    console.log(
      `SIMILARITY (${name}): at 10⁵ images ${show(stage100k)} per image (search ${show(at(m, 50_000))}, verification + grouping ${show(rest)}) = ${pct(stage100k, hash)} of hashing (target ≤ 10 %), ${pct(stage100k, naive)} of the naive decode; a 10⁵ build ≈ ${((1e5 * stage100k.wallMs) / 1000).toFixed(0)} s wall; at ${largest}: ≈ ${((largest * stageMillion.wallMs) / 1000).toFixed(0)} s wall, growth exponent ≈ ${largest > 100_000 ? `${exponent.toFixed(2)} (CPU)` : 'n/a (--million above 10⁵ measures it)'}`,
    );
    return {
      name,
      build: b,
      search: sizes.map((size, i) => ({ size, ...search[m][i] })),
      verificationAndGrouping: rest,
      stage100k,
      stageMillion,
      exponent,
    };
  });
  if (results.length === 2) {
    const ratio = (size: number): string => (at(1, size).cpuMs / at(0, size).cpuMs).toFixed(2);
    console.log(`SPEED-UP of a newcomer's search (baseline CPU / this build's CPU): ${sizes.map((s) => `${s}: ${ratio(s)}×`).join(', ')}`);
  }
  return { hashing: hash, naive, results };
}
