/* eslint-disable max-lines -- one benchmark program: the corpus's labels, the three hash families compared on them and the report table, run as one process by bench/run.ts. */
/**
 * Accuracy and throughput benchmark of the hashing library.
 *
 *   node out/bench/accuracy.js [--max-photos N] [--no-throughput] [--misses]
 *
 * Accuracy: every pair of files of the labelled corpus (bench/corpus.ts) goes through the same pipeline as
 * the grouping code — candidate search (queryKeys of one image against indexKeys of the other within
 * candidateRadius, here brute force) then `compare` — and is scored against the labels: pair precision,
 * recall and F1 overall, recall per transform, plus a sweep of the thresholds. Baselines: a 64-bit pHash and a
 * 64-bit dHash (computed here from the same decoded 32×32 thumbnail), each at its best Hamming threshold.
 *
 * Throughput: a naive sharp pass (`greyscale().resize(32, 32).raw()`) against `sha256` + `fingerprint` over
 * the same real JPEGs, images in flight, alternating rounds in the same run; best round of each and ratio.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  candidateRadius,
  DEFAULT_NEAR_THRESHOLDS,
  decodeDetail,
  decodeExact,
  decodeFine,
  DEFAULT_MAX_PIXELS,
  fingerprint,
  indexKeys,
  directQueryKeys,
  mayBeLocalEdit,
  mayHaveReplacedContent,
  needsDetail,
  nearThreshold,
  pixelsAgree,
  variantQueryKeys,
  variantRadius,
  sha256,
  similarity,
  type DetailRaster,
  type Fingerprint,
  type NearThresholds,
  type PixelSource,
} from '../daemon/hash';
import { buildCorpus, TRANSFORMS, type Corpus } from './corpus';

export interface AccuracyOptions {
  cacheDir?: string;
  maxPhotos?: number;
  thresholds?: NearThresholds;
  throughput?: boolean;
  inFlight?: number;
  log?: (line: string) => void;
}

export interface Score {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface AccuracyResult {
  corpus: {
    source: string;
    dir?: string;
    files: number;
    decoded: number;
    errors: { name: string; message: string }[];
    positives: number;
    negatives: number;
    ignored: number;
  };
  thresholds: NearThresholds;
  overall: Score;
  /** Recall per transform / label (original ↔ transform; sizes and formats groups). */
  perLabel: Record<string, { positives: number; found: number; recall: number }>;
  /** Candidate-stage recall alone (positives whose keys come within the radius). */
  candidateRecall: number;
  candidatePairs: number;
  falsePositives: { a: string; b: string; similarity: number }[];
  /** Negative candidate pairs just under the threshold of their class (within 0.05): the margin of precision. */
  nearNegatives: { a: string; b: string; similarity: number }[];
  falseNegatives: { a: string; b: string; label: string; similarity: number; keyDistance: number; stage: MissStage }[];
  /** Missed positives per label, by the stage that rejected them. */
  missStages: Record<string, Record<MissStage, number>>;
  sweep: { candidateRadius: number; nearSimilarity: number; score: Score }[];
  baselines: Record<'pHash64' | 'dHash64', { threshold: number; score: Score; perLabel: Record<string, number> }>;
  throughput?: ThroughputResult;
  seconds: number;
}

/**
 * The stage that rejected a missed positive pair: the candidate keys never came within the radius (`keys`),
 * the thumbnail comparison scored it under the threshold (`thumbnail`), or the detail check vetoed a pair the
 * thumbnails accepted (`detail`).
 */
export type MissStage = 'keys' | 'thumbnail' | 'detail';

export interface ThroughputResult {
  files: number;
  inFlight: number;
  naiveImagesPerSecond: number;
  fingerprintImagesPerSecond: number;
  ratio: number;
  rounds: { naive: number; fingerprint: number }[];
}

function score(tp: number, fp: number, fn: number): Score {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, tp, fp, fn };
}

// ---- fast Hamming on 32-byte keys as 8 × uint32 ------------------------------------------------------------

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function words(keys: Uint8Array[]): Uint32Array {
  const out = new Uint32Array(keys.length * 8);
  keys.forEach((k, i) => {
    for (let w = 0; w < 8; w++) out[i * 8 + w] = ((k[4 * w] << 24) | (k[4 * w + 1] << 16) | (k[4 * w + 2] << 8) | k[4 * w + 3]) >>> 0;
  });
  return out;
}

function minDistance(q: Uint32Array, x: Uint32Array): number {
  let best = 257;
  for (let i = 0; i < q.length; i += 8) {
    for (let j = 0; j < x.length; j += 8) {
      let d = 0;
      for (let w = 0; w < 8 && d < best; w++) d += popcount32(q[i + w] ^ x[j + w]);
      if (d < best) best = d;
    }
  }
  return best;
}

// ---- baselines -----------------------------------------------------------------------------------------------

function dctRows(n: number, k: number): Float64Array {
  const m = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) m[i * n + j] = Math.cos((Math.PI / n) * i * (j + 0.5));
  return m;
}
const D32 = dctRows(32, 8);

/** 64-bit pHash (imagehash style): 32×32 grey → 8×8 lowest DCT coefficients → above the median. */
function pHash64(thumb: Uint8Array): [number, number] {
  const tmp = new Float64Array(8 * 32);
  for (let i = 0; i < 8; i++)
    for (let x = 0; x < 32; x++) {
      let s = 0;
      for (let y = 0; y < 32; y++) s += D32[i * 32 + y] * thumb[y * 32 + x];
      tmp[i * 32 + x] = s;
    }
  const c = new Float64Array(64);
  for (let i = 0; i < 8; i++)
    for (let j = 0; j < 8; j++) {
      let s = 0;
      for (let x = 0; x < 32; x++) s += tmp[i * 32 + x] * D32[j * 32 + x];
      c[i * 8 + j] = s;
    }
  const sorted = Float64Array.from(c).sort();
  const median = (sorted[31] + sorted[32]) / 2;
  let hi = 0,
    lo = 0;
  for (let k = 0; k < 64; k++)
    if (c[k] > median) {
      if (k < 32) hi |= 1 << k;
      else lo |= 1 << (k - 32);
    }
  return [hi >>> 0, lo >>> 0];
}

/** 64-bit dHash: 9×8 grey (area average of the 32×32 thumbnail) → left < right. */
function dHash64(thumb: Uint8Array): [number, number] {
  const g = new Float64Array(9 * 8);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 9; x++) {
      let s = 0,
        a = 0;
      const x0 = (x * 32) / 9,
        x1 = ((x + 1) * 32) / 9;
      for (let yy = y * 4; yy < y * 4 + 4; yy++) {
        for (let px = Math.floor(x0); px < Math.ceil(x1); px++) {
          const w = Math.min(x1, px + 1) - Math.max(x0, px);
          s += w * thumb[yy * 32 + px];
          a += w;
        }
      }
      g[y * 9 + x] = s / a;
    }
  }
  let hi = 0,
    lo = 0;
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      const k = y * 8 + x;
      if (g[y * 9 + x] < g[y * 9 + x + 1]) {
        if (k < 32) hi |= 1 << k;
        else lo |= 1 << (k - 32);
      }
    }
  return [hi >>> 0, lo >>> 0];
}

// ---- accuracy ----------------------------------------------------------------------------------------------

type PairLabel = { label: string } | 'ignore' | undefined;

function pairLabels(corpus: Corpus): (a: number, b: number) => PairLabel {
  const n = corpus.files.length;
  const pos = new Map<number, string>();
  for (const p of corpus.positives) pos.set(p.a * n + p.b, p.label);
  return (a, b) => {
    const l = pos.get(a * n + b);
    if (l) return { label: l };
    return corpus.files[a].family === corpus.files[b].family ? 'ignore' : undefined;
  };
}

async function mapInFlight<T, R>(items: T[], inFlight: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export async function runAccuracy(options: AccuracyOptions = {}): Promise<AccuracyResult> {
  const started = Date.now();
  const log = options.log ?? ((): void => undefined);
  const t = options.thresholds ?? DEFAULT_NEAR_THRESHOLDS;
  const cacheDir = options.cacheDir ?? path.join(os.tmpdir(), 'doublon-bench-corpus');
  const corpus = await buildCorpus(cacheDir, { maxPhotos: options.maxPhotos, log });
  const files = corpus.files;
  const n = files.length;
  log(`corpus: ${corpus.source}${corpus.sourceDir ? ` (${corpus.sourceDir})` : ''}, ${n} files`);

  const errors: { name: string; message: string }[] = [];
  const fps = await mapInFlight(files, options.inFlight ?? 4, async (f) => {
    try {
      return await fingerprint(fs.readFileSync(f.path));
    } catch (error) {
      errors.push({ name: f.name, message: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  });
  // As the similarity graph probes: the hash and shape within the candidate radius, the flipped/rotated
  // variants within the variant radius, the crop keys against the other's index keys.
  const q = fps.map((fp) => (fp ? words([...directQueryKeys(fp), ...indexKeys(fp)]) : undefined));
  const qv = fps.map((fp) => (fp ? words(variantQueryKeys(fp)) : undefined));
  const rv = variantRadius(t);
  const x = fps.map((fp) => (fp ? words(indexKeys(fp)) : undefined));
  const labelOf = pairLabels(corpus);

  // Candidates within the widest radius swept, with their verified similarity.
  const radii = [48, 64, 80, 84, 96];
  const maxRadius = Math.max(...radii, candidateRadius(t));
  const wide: NearThresholds = { ...t, candidateRadius: maxRadius };
  const cand: { a: number; b: number; dist: number; sim: number; margin: number; thumbnailSim?: number; vetoed?: boolean }[] = [];
  const keyDistOf = new Map<number, number>();
  let positives = 0,
    negatives = 0,
    ignored = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const l = labelOf(a, b);
      if (l === 'ignore') {
        ignored++;
        continue;
      }
      if (l) positives++;
      else negatives++;
      const qa = q[a],
        qb = q[b],
        xa = x[a],
        xb = x[b];
      if (!qa || !qb || !xa || !xb) continue;
      const dv = Math.min(minDistance(qv[a]!, xb), minDistance(qv[b]!, xa));
      // A variant within its radius is a candidate at any swept radius (all are above it).
      const dist = Math.min(minDistance(qa, xb), minDistance(qb, xa), dv <= rv ? dv : 257);
      if (l) keyDistOf.set(a * n + b, dist);
      if (dist > maxRadius) continue;
      const fa = fps[a] as Fingerprint,
        fb = fps[b] as Fingerprint;
      // margin: how far below nearSimilarity this pair's class (photographs) is accepted.
      cand.push({ a, b, dist, sim: similarity(fa, fb, wide), margin: wide.nearSimilarity - nearThreshold(fa, fb, wide) });
    }
  }
  log(`${cand.length} candidate pairs within ${maxRadius} bits`);
  // The detail check (graphics only, pairs the thumbnails accept at the loosest swept threshold), as the
  // similarity graph runs it: a veto.
  const rasters = new Map<number, Promise<DetailRaster | undefined>>();
  const rasterOf = (i: number): Promise<DetailRaster | undefined> => {
    let r = rasters.get(i);
    if (r) rasters.delete(i);
    else {
      r = decodeDetail(fs.readFileSync(files[i].path), DEFAULT_MAX_PIXELS).catch(() => undefined);
      if (rasters.size >= 128) rasters.delete(rasters.keys().next().value!);
    }
    rasters.set(i, r);
    return r;
  };
  const pixelsOf = (i: number): PixelSource => ({
    detail: () => rasterOf(i),
    exact: () => decodeExact(fs.readFileSync(files[i].path)).catch(() => undefined),
    fine: () => decodeFine(fs.readFileSync(files[i].path), DEFAULT_MAX_PIXELS).catch(() => undefined),
  });
  let detailChecked = 0,
    detailVetoed = 0;
  for (const c of cand) {
    const fa = fps[c.a] as Fingerprint,
      fb = fps[c.b] as Fingerprint;
    if (c.sim < 0.8 || !(needsDetail(fa, fb, wide) || mayBeLocalEdit(fa, fb) || mayHaveReplacedContent(fa, fb, wide))) continue;
    detailChecked++;
    if (!(await pixelsAgree(fa, fb, wide, pixelsOf(c.a), pixelsOf(c.b)))) {
      c.vetoed = c.sim >= t.nearSimilarity - c.margin;
      c.thumbnailSim = c.sim;
      c.sim = 0;
      detailVetoed++;
    }
  }
  log(`pixel checks: ${detailChecked} pairs, ${detailVetoed} vetoed`);

  const evaluate = (radius: number, near: number): { s: Score; found: Set<number> } => {
    let tp = 0,
      fp = 0;
    const found = new Set<number>();
    for (const c of cand) {
      if (c.dist > radius || c.sim < near - c.margin || c.sim <= 0) continue;
      const l = labelOf(c.a, c.b);
      if (l && l !== 'ignore') {
        tp++;
        found.add(c.a * n + c.b);
      } else fp++;
    }
    return { s: score(tp, fp, positives - tp), found };
  };

  const sweep: AccuracyResult['sweep'] = [];
  for (const r of radii)
    for (const near of [0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96])
      sweep.push({ candidateRadius: r, nearSimilarity: near, score: evaluate(r, near).s });

  const main = evaluate(candidateRadius(t), t.nearSimilarity);
  const perLabel: AccuracyResult['perLabel'] = {};
  let candidateHits = 0;
  const simOf = new Map(cand.map((c) => [c.a * n + c.b, c.thumbnailSim ?? c.sim]));
  const vetoedPairs = new Set(cand.filter((c) => c.vetoed).map((c) => c.a * n + c.b));
  const missStages: AccuracyResult['missStages'] = {};
  const falseNegatives: AccuracyResult['falseNegatives'] = [];
  // `sizes` is also split by the smaller of the two sizes: hand-drawn small sizes (≤ 24 px) vs larger.
  const iconSize = (name: string): number => {
    const m = /_(\d+)\.\w+$/.exec(name);
    return m ? Number(m[1]) : 1000;
  };
  for (const p of corpus.positives) {
    const band =
      p.label === 'sizes' ? `sizes ${Math.min(iconSize(files[p.a].name), iconSize(files[p.b].name)) <= 24 ? '≤24px' : '>24px'}` : undefined;
    if (band && main.found.has(p.a * n + p.b)) (perLabel[band] ??= { positives: 0, found: 0, recall: 0 }).found++;
    if (band) (perLabel[band] ??= { positives: 0, found: 0, recall: 0 }).positives++;
    const e = (perLabel[p.label] ??= { positives: 0, found: 0, recall: 0 });
    e.positives++;
    const key = p.a * n + p.b;
    if ((keyDistOf.get(key) ?? 257) <= candidateRadius(t)) candidateHits++;
    if (main.found.has(key)) e.found++;
    else {
      const keyDistance = keyDistOf.get(key) ?? 257;
      const stage: MissStage = keyDistance > candidateRadius(t) ? 'keys' : vetoedPairs.has(key) ? 'detail' : 'thumbnail';
      (missStages[p.label] ??= { keys: 0, thumbnail: 0, detail: 0 })[stage]++;
      falseNegatives.push({ a: files[p.a].name, b: files[p.b].name, label: p.label, similarity: simOf.get(key) ?? 0, keyDistance, stage });
    }
  }
  for (const e of Object.values(perLabel)) e.recall = e.found / e.positives;
  const falsePositives = cand
    .filter((c) => c.dist <= candidateRadius(t) && c.sim >= t.nearSimilarity - c.margin && !labelOf(c.a, c.b))
    .sort((p, r) => r.sim - p.sim)
    .map((c) => ({ a: files[c.a].name, b: files[c.b].name, similarity: c.sim }));

  const nearNegatives = cand
    .filter(
      (c) =>
        c.dist <= candidateRadius(t) &&
        c.sim < t.nearSimilarity - c.margin &&
        c.sim >= t.nearSimilarity - c.margin - 0.05 &&
        !labelOf(c.a, c.b),
    )
    .sort((p, r) => r.sim - p.sim)
    .map((c) => ({ a: files[c.a].name, b: files[c.b].name, similarity: c.sim }));

  // Baselines over all pairs.
  const baselines = {} as AccuracyResult['baselines'];
  for (const [name, fn] of [
    ['pHash64', pHash64],
    ['dHash64', dHash64],
  ] as const) {
    const h = fps.map((fp) => (fp ? fn(fp.thumb) : undefined));
    const hist: { pos: number[]; neg: number[]; perLabel: Map<string, number[]> } = {
      pos: new Array(65).fill(0),
      neg: new Array(65).fill(0),
      perLabel: new Map(),
    };
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const l = labelOf(a, b);
        if (l === 'ignore') continue;
        const ha = h[a],
          hb = h[b];
        const d = ha && hb ? popcount32(ha[0] ^ hb[0]) + popcount32(ha[1] ^ hb[1]) : 64;
        if (l) {
          hist.pos[d]++;
          if (!hist.perLabel.has(l.label)) hist.perLabel.set(l.label, new Array(65).fill(0));
          (hist.perLabel.get(l.label) as number[])[d]++;
        } else hist.neg[d]++;
      }
    }
    let best = { threshold: 0, score: score(0, 0, positives) };
    let tp = 0,
      fp = 0;
    for (let th = 0; th <= 32; th++) {
      tp += hist.pos[th];
      fp += hist.neg[th];
      const s = score(tp, fp, positives - tp);
      if (s.f1 > best.score.f1) best = { threshold: th, score: s };
    }
    const perLabelRecall: Record<string, number> = {};
    for (const [l, arr] of hist.perLabel) {
      const total = arr.reduce((s, v) => s + v, 0);
      perLabelRecall[l] = arr.slice(0, best.threshold + 1).reduce((s, v) => s + v, 0) / total;
    }
    baselines[name] = { ...best, perLabel: perLabelRecall };
  }

  const result: AccuracyResult = {
    corpus: {
      source: corpus.source,
      dir: corpus.sourceDir,
      files: n,
      decoded: fps.filter(Boolean).length,
      errors,
      positives,
      negatives,
      ignored,
    },
    thresholds: t,
    overall: main.s,
    perLabel,
    candidateRecall: positives ? candidateHits / positives : 1,
    candidatePairs: cand.filter((c) => c.dist <= candidateRadius(t)).length,
    falsePositives: falsePositives.slice(0, 50),
    nearNegatives: nearNegatives.slice(0, 50),
    falseNegatives: falseNegatives.sort((p, r) => r.similarity - p.similarity),
    missStages,
    sweep,
    baselines,
    seconds: 0,
  };
  if (options.throughput !== false) result.throughput = await runThroughput(corpus, options.inFlight ?? 6, log);
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** Naive sharp pass vs sha256 + fingerprint over the corpus's original JPEG photos (same files, same run). */
export async function runThroughput(corpus: Corpus, inFlight: number, log: (s: string) => void, rounds = 3): Promise<ThroughputResult> {
  let jpegs = corpus.files.filter((f) => f.transform === undefined && /\.jpe?g$/i.test(f.name)).map((f) => fs.readFileSync(f.path));
  if (jpegs.length < 20) jpegs = corpus.files.filter((f) => f.transform === 'jpeg-q70').map((f) => fs.readFileSync(f.path));
  const timed = async (fn: (b: Buffer) => Promise<unknown>): Promise<number> => {
    const start = process.hrtime.bigint();
    await mapInFlight(jpegs, inFlight, fn);
    return jpegs.length / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const naive = (b: Buffer): Promise<Buffer> => sharp(b).greyscale().resize(32, 32).raw().toBuffer();
  const ours = async (b: Buffer): Promise<void> => {
    sha256(b);
    await fingerprint(b);
  };
  await timed(naive); // warm-up
  await timed(ours);
  const results: { naive: number; fingerprint: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = await timed(naive);
    const b = await timed(ours);
    results.push({ naive: a, fingerprint: b });
    log(`throughput round ${r + 1}: naive ${a.toFixed(0)} img/s, fingerprint ${b.toFixed(0)} img/s`);
  }
  const naiveBest = Math.max(...results.map((r) => r.naive));
  const oursBest = Math.max(...results.map((r) => r.fingerprint));
  return {
    files: jpegs.length,
    inFlight,
    naiveImagesPerSecond: naiveBest,
    fingerprintImagesPerSecond: oursBest,
    ratio: oursBest / naiveBest,
    rounds: results,
  };
}

function pct(x: number): string {
  return (100 * x).toFixed(1).padStart(5) + ' %';
}

export function formatResult(r: AccuracyResult, options: { misses?: boolean } = {}): string {
  const lines: string[] = [];
  const s = r.overall;
  lines.push(
    `Corpus: ${r.corpus.source} — ${r.corpus.files} files (${r.corpus.decoded} decoded), ${r.corpus.positives} positive pairs, ${r.corpus.negatives} negative pairs, ${r.corpus.ignored} ignored (same picture, unlabelled)`,
  );
  lines.push(`Thresholds: ${JSON.stringify(r.thresholds)}`);
  lines.push(
    `PDQ-256 + verify: precision ${pct(s.precision)}  recall ${pct(s.recall)}  F1 ${pct(s.f1)}  (TP ${s.tp}, FP ${s.fp}, FN ${s.fn}); candidate recall ${pct(r.candidateRecall)}, ${r.candidatePairs} candidate pairs`,
  );
  for (const [name, b] of Object.entries(r.baselines))
    lines.push(
      `${name.padEnd(16)} best threshold ${String(b.threshold).padStart(2)}: precision ${pct(b.score.precision)}  recall ${pct(b.score.recall)}  F1 ${pct(b.score.f1)}  (FP ${b.score.fp})`,
    );
  lines.push('');
  lines.push(`${'label'.padEnd(16)} ${'pairs'.padStart(6)} ${'PDQ+verify'.padStart(11)} ${'pHash64'.padStart(8)} ${'dHash64'.padStart(8)}`);
  const labels = [...TRANSFORMS, 'sizes', 'sizes ≤24px', 'sizes >24px', 'formats'].filter((l) => r.perLabel[l]);
  for (const l of labels) {
    const e = r.perLabel[l];
    lines.push(
      `${l.padEnd(16)} ${String(e.positives).padStart(6)} ${pct(e.recall).padStart(11)} ${(l in r.baselines.pHash64.perLabel ? pct(r.baselines.pHash64.perLabel[l]) : 'n/a').padStart(8)} ${(l in r.baselines.dHash64.perLabel ? pct(r.baselines.dHash64.perLabel[l]) : 'n/a').padStart(8)}`,
    );
  }
  const stages = Object.entries(r.missStages);
  if (stages.length) {
    lines.push('', 'Missed pairs by the stage that rejected them (keys / thumbnail / detail):');
    for (const [l, m] of stages) lines.push(`  ${l.padEnd(16)} ${m.keys} / ${m.thumbnail} / ${m.detail}`);
  }
  if (options.misses) {
    lines.push('', 'Missed pairs (thumbnail similarity, before the detail check):');
    for (const f of r.falseNegatives)
      lines.push(
        `  ${f.label.padEnd(14)} ${f.stage.padEnd(9)} keys ${String(f.keyDistance).padStart(3)}  sim ${f.similarity.toFixed(3)}  ${f.a}  ↔  ${f.b}`,
      );
  }
  if (r.falsePositives.length) {
    lines.push('', 'False positives (top):');
    for (const f of r.falsePositives.slice(0, 15)) lines.push(`  ${f.similarity.toFixed(3)}  ${f.a}  ↔  ${f.b}`);
  }
  if (options.misses && r.nearNegatives.length) {
    lines.push('', `Negative pairs just under the threshold (${r.nearNegatives.length} listed):`);
    for (const f of r.nearNegatives) lines.push(`  ${f.similarity.toFixed(3)}  ${f.a}  ↔  ${f.b}`);
  }
  if (r.throughput) {
    const tp = r.throughput;
    lines.push(
      '',
      `Throughput (${tp.files} JPEGs, ${tp.inFlight} in flight, best of ${tp.rounds.length} alternating rounds): naive ${tp.naiveImagesPerSecond.toFixed(0)} img/s, sha256+fingerprint ${tp.fingerprintImagesPerSecond.toFixed(0)} img/s, ratio ${tp.ratio.toFixed(2)}×`,
    );
  }
  lines.push(`(${r.seconds.toFixed(0)} s)`);
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const maxIdx = args.indexOf('--max-photos');
  runAccuracy({
    maxPhotos: maxIdx >= 0 ? Number(args[maxIdx + 1]) : undefined,
    throughput: !args.includes('--no-throughput'),
    log: (line) => console.error(line),
  })
    .then((r) => {
      console.log(formatResult(r, { misses: args.includes('--misses') }));
      const out = path.resolve(__dirname, '../../bench-results');
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, 'accuracy.json'), JSON.stringify(r, null, 2));
      console.log(`written ${path.join(out, 'accuracy.json')}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
