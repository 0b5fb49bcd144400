/**
 * The catalogue at city scale, against a real PostgreSQL server (a throwaway cluster, test/helpers/postgres.ts).
 *
 *   node out/bench/catalogue.js [--sites 50] [--images 20000] [--keys 10000000] [--site DIR] [--seed N]
 *
 * `--seed N`: all but N of the sites are written straight into the database by SQL (their rows, real-size
 * fingerprints, random hashes), and only N sites are published through `publish()` — the figures of a site
 * publishing into a catalogue of `--sites × --images` entries, in minutes instead of hours on a loaded machine.
 * Their incremental publishes are measured with the site's key cache (`.doublon/catalogue-keys.bin` kept, as a
 * CI cache of the index keeps it) and without (a fresh runner).
 *
 * 1. Publish: `--sites` simulated sites of `--images` images each (random perceptual hashes, fingerprints of
 *    real size), each published once (first publish), then each again with 1 % of its images changed
 *    (incremental publish): time per site, through the same `publish()` the CLI calls (the sites' scans are
 *    not part of it: they are `doublon scan`, measured elsewhere).
 * 2. Check: `doublon check` of a real site (`--site`, default ../shared/realworld/18f when present, else
 *    examples/city-site) as a process, warm index, without and with `--catalogue`, alternated (ABAB): the
 *    catalogue's cost on a site's CI run, as a ratio measured in the same run.
 * 3. Search at 10⁷: `--keys` simulated hashes in this process's index (no database), the query time per image
 *    (16 images per pass, as publish and check search) and the memory the index holds.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { DEFAULT_NEAR_THRESHOLDS, candidateRadius, type Fingerprint } from '../daemon/hash';
import { publish, type PublishResult } from '../daemon/catalogue/publish';
import { encodeFingerprint } from '../daemon/catalogue/codec';
import { migrate } from '../daemon/catalogue/schema';
import { CatalogueKeys } from '../daemon/catalogue/search';
import type { SiteImage } from '../daemon/catalogue/site';
import { startCluster } from '../test/helpers/postgres';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * The fingerprint of a simulated content, derived from its id (so 10⁶ of them need not sit in memory): a random
 * hash, and every field at its real byte size (so transfer and storage cost what real ones do).
 */
function syntheticFingerprint(sha256: string): Fingerprint {
  // xorshift32 seeded by the id: deterministic, and cheap next to what is measured.
  let state = parseInt(sha256.slice(0, 8), 16) | 1;
  const bytes = (n: number): Buffer => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out.writeInt32LE(state | 0, i);
    }
    return out;
  };
  const hash = bytes(32);
  return {
    format: 'png',
    width: 640,
    height: 480,
    lossless: true,
    hash,
    quality: 80,
    variants: Buffer.concat([hash, bytes(224)]),
    crops: bytes(64),
    thumb: bytes(1024),
    chroma: bytes(32),
    chroma8: bytes(128),
    alpha: new Uint8Array(0),
    bbox: Uint8Array.of(0, 0, 64, 64),
    transparent: false,
    flatness: 0.1,
  };
}

interface SimSite {
  name: string;
  images: SiteImage[];
}

function simulateSite(name: string, count: number): SimSite {
  const images: SiteImage[] = [];
  for (let i = 0; i < count; i++) images.push(newImage(`img/${i}.png`));
  return { name, images };
}

function newImage(p: string): SiteImage {
  const sha256 = randomBytes(32).toString('hex');
  return { file: `/sim/${p}`, path: p, sha256, width: 640, height: 480, bytes: 50_000, url: `https://example.org/${p}` };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Client CPU seconds of each publish (this process: user + system), next to the wall times: on a loaded machine the wall time says more about the load than about the work. */
const cpuSeconds: Record<string, number[]> = {};

async function publishAll(
  url: string,
  sites: SimSite[],
  label: string,
  keyCache?: (site: SimSite) => string,
  results?: PublishResult[],
): Promise<number[]> {
  const cpu = (cpuSeconds[label] = [] as number[]);
  const times: number[] = [];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const site of sites) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const result = await publish(client, site.images, syntheticFingerprint, {
        repository: site.name,
        thresholds: DEFAULT_NEAR_THRESHOLDS,
        fingerprintVersion: 1,
        keyCache: keyCache?.(site),
      });
      times.push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1e6);
      results?.push(result);
      if (times.length % 10 === 0)
        console.log(`  ${label}: ${times.length}/${sites.length} sites, last ${(times[times.length - 1] / 1000).toFixed(2)} s`);
    }
  } finally {
    await client.end();
  }
  return times;
}

function timeCheck(site: string, env: NodeJS.ProcessEnv, extra: string[]): number {
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [path.resolve(__dirname, '../../bin/doublon.js'), 'check', '--no-daemon', '--no-progress', ...extra],
    { cwd: site, env, encoding: 'utf8' },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`doublon check failed (${run.status}): ${run.stderr}`);
  return performance.now() - started;
}

/** `count` sites of `perSite` images written by SQL, every row at its real size (see --seed). */
async function seedSites(url: string, count: number, perSite: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  try {
    await migrate(client);
    const fingerprint = encodeFingerprint(syntheticFingerprint('5eed'.padEnd(64, '0')));
    for (let s = 0; s < count; s++) {
      const { rows } = await client.query<{ id: number }>(
        "INSERT INTO repositories (name, revision, public_url) VALUES ($1, 1, 'https://example.org/') RETURNING id",
        [`seeded-${s}`],
      );
      // Content ids and hashes: SHA-256 of distinct strings (uniform bits, as real perceptual hashes are not, which only flatters nothing: the scan is exhaustive).
      await client.query(
        `INSERT INTO contents (sha256, hash, format, fp_version, fingerprint)
         SELECT sha256(convert_to('seed ' || $1 || ' ' || i, 'UTF8')), sha256(convert_to('hash ' || $1 || ' ' || i, 'UTF8')), 'png', 1, $2
           FROM generate_series(0, $3 - 1) AS i`,
        [s, fingerprint, perSite],
      );
      await client.query(
        `INSERT INTO images (repository_id, path, sha256, width, height, bytes, url)
         SELECT $1, 'img/' || i || '.png', sha256(convert_to('seed ' || $2 || ' ' || i, 'UTF8')), 640, 480, 50000, 'https://example.org/img/' || i || '.png'
           FROM generate_series(0, $3 - 1) AS i`,
        [rows[0].id, s, perSite],
      );
      if ((s + 1) % 10 === 0) console.log(`  seeded ${s + 1}/${count} sites`);
    }
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

function changeOnePercent(site: SimSite): void {
  const changed = Math.max(1, Math.round(site.images.length / 100));
  for (let i = 0; i < changed; i++) site.images[i] = newImage(site.images[i].path);
}

async function main(): Promise<void> {
  const sites = arg('sites', 50);
  const perSite = arg('images', 20_000);
  const keys = arg('keys', 10_000_000);
  const measured = Math.min(sites, arg('seed', sites));
  const cluster = await startCluster();
  // An interrupted run must not leave a server behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      cluster.stop();
      process.exit(130);
    });
  const result: Record<string, unknown> = { sites, perSite, keys, published: measured, load: os.loadavg() };
  const caches = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-keys-'));
  const cacheOf = (site: SimSite): string => path.join(caches, `${site.name}.bin`);
  try {
    // 1. Publish.
    if (measured < sites) {
      console.log(`seeding ${sites - measured} sites × ${perSite} images by SQL`);
      result.seedS = await seedSites(cluster.url, sites - measured, perSite);
    }
    console.log(`publishing ${measured} simulated sites × ${perSite} images`);
    const simulated = Array.from({ length: measured }, (_, i) => simulateSite(`site-${i}`, perSite));
    const firstResults: PublishResult[] = [];
    const first = await publishAll(cluster.url, simulated, 'first publish', cacheOf, firstResults);
    for (const site of simulated) changeOnePercent(site);
    const warmResults: PublishResult[] = [];
    const incremental = await publishAll(cluster.url, simulated, 'incremental publish (key cache kept)', cacheOf, warmResults);
    for (const site of simulated) changeOnePercent(site);
    const coldResults: PublishResult[] = [];
    const cold = await publishAll(
      cluster.url,
      simulated,
      'incremental publish (fresh runner, no key cache)',
      (site) => path.join(caches, `none-${site.name}.bin`),
      coldResults,
    );
    result.publish = {
      catalogueEntries: sites * perSite,
      firstMedianS: median(first) / 1000,
      firstLastS: first[first.length - 1] / 1000,
      firstTotalS: first.reduce((a, b) => a + b, 0) / 1000,
      incrementalMedianS: median(incremental) / 1000,
      incrementalMaxS: Math.max(...incremental) / 1000,
      incrementalKeys: warmResults[warmResults.length - 1]?.keys,
      incrementalNoCacheMedianS: median(cold) / 1000,
      incrementalNoCacheKeys: coldResults[coldResults.length - 1]?.keys,
      clientCpuMedianS: Object.fromEntries(Object.entries(cpuSeconds).map(([label, list]) => [label, median(list)])),
    };
    console.log(result.publish);
    simulated.length = 0;

    // 2. A real site's check without and with the catalogue (warm index, ABAB).
    const shared = path.resolve(__dirname, '../../../shared/realworld/18f');
    const source = process.argv.includes('--site')
      ? path.resolve(process.argv[process.argv.indexOf('--site') + 1])
      : fs.existsSync(shared)
        ? shared
        : path.resolve(__dirname, '../../examples/city-site');
    const site = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-site-'));
    fs.cpSync(source, site, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', site]);
    const env = { ...process.env, DOUBLON_CATALOGUE: cluster.url };
    const plain = { ...process.env, DOUBLON_CATALOGUE: '' };
    timeCheck(site, plain, []); // cold scan, builds the index
    const publishRun = spawnSync(
      process.execPath,
      [path.resolve(__dirname, '../../bin/doublon.js'), 'publish', '--repository', 'real-site'],
      { cwd: site, env, encoding: 'utf8' },
    );
    if (publishRun.status !== 0) throw new Error(publishRun.stderr);
    const without: number[] = [];
    const withCatalogue: number[] = [];
    for (let round = 0; round < 5; round++) {
      without.push(timeCheck(site, plain, []));
      withCatalogue.push(timeCheck(site, env, ['--repository', 'real-site']));
    }
    result.check = {
      site: source,
      withoutMedianS: median(without) / 1000,
      withMedianS: median(withCatalogue) / 1000,
      ratio: median(withCatalogue) / median(without),
    };
    console.log(result.check);
    fs.rmSync(site, { recursive: true, force: true });
  } finally {
    cluster.stop();
    fs.rmSync(caches, { recursive: true, force: true });
  }

  // 3. Search at 10⁷ simulated keys.
  const index = new CatalogueKeys();
  const rssBefore = process.memoryUsage().rss;
  let started = performance.now();
  const sha = new Uint8Array(32);
  for (let done = 0; done < keys; done += 65_536) {
    const random = randomBytes(32 * 65_536);
    for (let i = 0; i < 65_536 && done + i < keys; i++) {
      new DataView(sha.buffer).setUint32(0, done + i);
      index.add(sha, random.subarray(32 * i, 32 * i + 32));
    }
  }
  const loadS = (performance.now() - started) / 1000;
  const queries = Array.from({ length: 64 }, () => randomBytes(32));
  started = performance.now();
  index.nearMany(queries, candidateRadius(DEFAULT_NEAR_THRESHOLDS));
  const perImageMs = (performance.now() - started) / queries.length;
  result.search = {
    keys,
    loadS,
    perImageMs,
    indexMB: index.memoryBytes / 1048576,
    rssGrowthMB: (process.memoryUsage().rss - rssBefore) / 1048576,
  };
  console.log(result.search);

  const out = path.resolve(__dirname, '../../bench-results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'catalogue.json'), JSON.stringify(result, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
