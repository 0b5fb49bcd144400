/**
 * Integrity: what the checks before opening an index cost (daemon/index/integrity.ts). On an index of N
 * image records (real fingerprints of the example site, one content per file) and on the example site's
 * own index: the structure check, the full walk in a child process, and as a baseline in the same run the
 * start of an empty Node process (the walk's fixed cost). Then `doublon scan` of the example site as the
 * user types it, warm, with the seal (no walk) and without it (walk of both environments).
 *
 *   node out/bench/integrity.js [--records 100000] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../daemon/config/load';
import { analyse } from '../daemon/analysis';
import { openIndex } from '../daemon/index/open';
import { IndexStore } from '../daemon/index/store';
import { checkStructure, walkInChild } from '../daemon/index/integrity';
import type { Fingerprint } from '../daemon/hash';

const EXAMPLE = path.resolve(__dirname, '../../examples/city-site');
const BIN = path.resolve(__dirname, '../../bin/doublon.js');

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const records = arg('--records', 100_000);
  const runs = arg('--runs', 3);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-integrity-'));
  try {
    // The example site, scanned: its index and real fingerprints.
    const site = path.join(work, 'site');
    fs.cpSync(EXAMPLE, site, { recursive: true, filter: (source) => path.basename(source) !== '.doublon' });
    await analyse(loadConfig({ cwd: site, roots: [] }));
    const siteIndex = path.join(site, '.doublon');
    const sample = openIndex(loadConfig({ cwd: site, roots: [] }));
    const fingerprints = [...sample.files()]
      .map((f) => f.sha256 && sample.getContent(f.sha256)?.fingerprint)
      .filter((f): f is Fingerprint => !!f);
    await sample.close();

    // N records: a file and a content each, fingerprints copied from the real ones.
    const big = path.join(work, 'big');
    const store = IndexStore.open<Fingerprint>(big, { sync: false });
    for (let i = 0; i < records; i++) {
      const sha = i.toString(16).padStart(64, '0');
      const fp = fingerprints[i % fingerprints.length];
      store.putContent({ sha256: sha, bytes: 10_000 + i, fingerprint: fp });
      store.putFile({
        path: `/home/user/site/assets/images/folder-${i % 500}/image-${i}.png`,
        size: 10_000 + i,
        mtimeMs: 1.7e12 + i,
        ino: i,
        sha256: sha,
        image: { width: fp.width, height: fp.height, lossless: fp.lossless },
      });
      if (i % 5000 === 4999) await store.flushed();
    }
    await store.close();
    const bigBytes = fs.statSync(path.join(big, 'data.mdb')).size;

    const result: Record<string, unknown> = {
      records,
      runs,
      dataMB: +(bigBytes / 1024 / 1024).toFixed(1),
      load: os.loadavg().map((l) => +l.toFixed(2)),
    };
    const nodeStart: number[] = [];
    const walkBig: number[] = [];
    const walkSite: number[] = [];
    const structureBig: number[] = [];
    let entries = 0;
    for (let run = 0; run < runs; run++) {
      nodeStart.push(timed(() => spawnSync(process.execPath, ['-e', ''])));
      structureBig.push(timed(() => checkStructure(path.join(big, 'data.mdb'))));
      const walk = walkInChild(big);
      if (walk.damage) throw new Error(walk.damage);
      entries = walk.entries;
      walkBig.push(walk.ms);
      walkSite.push(walkInChild(siteIndex).ms + walkInChild(path.join(siteIndex, 'refs')).ms);
    }
    Object.assign(result, {
      entriesWalked: entries,
      nodeStartMs: Math.round(median(nodeStart)),
      structureMs: +median(structureBig).toFixed(2),
      walkMs: median(walkBig),
      walkSiteBothEnvironmentsMs: median(walkSite),
    });

    // `doublon scan` of the example site, warm: sealed (no walk) against unsealed (both environments walked).
    const scanMs = (unsealed: boolean): number => {
      if (unsealed)
        for (const folder of [siteIndex, path.join(siteIndex, 'refs')])
          fs.rmSync(path.join(folder, 'closed-cleanly.json'), { force: true });
      return timed(() => {
        const child = spawnSync(process.execPath, [BIN, 'scan', '--json'], { cwd: site });
        if (child.status !== 0) throw new Error(String(child.stderr));
      });
    };
    const sealed: number[] = [];
    const unsealed: number[] = [];
    for (let run = 0; run < runs; run++) {
      sealed.push(scanMs(false));
      unsealed.push(scanMs(true));
    }
    Object.assign(result, {
      scanWarmSealedMs: Math.round(median(sealed)),
      scanWarmUnsealedMs: Math.round(median(unsealed)),
      ratio: +(median(unsealed) / median(sealed)).toFixed(2),
    });
    const out = path.resolve(__dirname, '../../bench-results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'integrity.json'), JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
