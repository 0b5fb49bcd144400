/**
 * A full disk during a scan (issue 10, item 3) is a clear error, "the disk is full: …", and never leaves an
 * index that crashes the next run. The disk is a small tmpfs (root can mount one); where mounting is
 * refused, the file size limit of the scan process (RLIMIT_FSIZE through `prlimit`) stands in for it.
 * Before the fix the scan died by SIGBUS (LMDB's lock file mapped on a full tmpfs) or with an lmdb-js
 * stack trace ("Commit failed"), or exited 0 with no report; later, once, by SIGABRT inside LMDB's write path
 * (glibc: "munmap_chunk(): invalid pointer"), so the index now writes nothing below 1 MB free (disk.ts).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePhoto, tempDir } from '../fixtures/images';
import { BIN } from '../helpers/cli';
import { groupsOf, scanJson, type ProcessResult } from './index-helpers';

/** 120 distinct small photos and 24 copies: an index of about 500 KB, more than the space left. */
async function writePhotos(site: string): Promise<void> {
  fs.mkdirSync(site, { recursive: true });
  for (let i = 0; i < 120; i++) {
    const bytes = await makePhoto(i + 1, 48, 32);
    fs.writeFileSync(path.join(site, `p${i}.png`), bytes);
    if (i % 5 === 0) fs.writeFileSync(path.join(site, `copy-${i}.png`), bytes);
  }
}

function mountTmpfs(folder: string, size: string): boolean {
  if (process.platform !== 'linux') return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder], { stdio: 'ignore' }).status === 0;
}

function freeKilobytes(folder: string): number {
  const stats = fs.statfsSync(folder);
  return Math.floor((stats.bavail * stats.bsize) / 1024);
}

function scan(cwd: string, fileSizeLimit?: number): ProcessResult {
  const started = performance.now();
  const command = fileSizeLimit === undefined ? [process.execPath, BIN] : ['prlimit', `--fsize=${fileSizeLimit}`, process.execPath, BIN];
  const result = spawnSync(command[0], [...command.slice(1), 'scan', '--json'], { cwd, encoding: 'utf8', timeout: 120_000 });
  return {
    code: result.status,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: Math.round(performance.now() - started),
  };
}

describe('adversarial: a full disk during a scan', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup(): void };
  let disk: string;
  let mounted = false;
  let fresh: unknown[];

  before(async () => {
    dir = tempDir('doublon-disk-full-');
    await writePhotos(path.join(dir.path, 'reference-site'));
    fresh = groupsOf(scanJson(path.join(dir.path, 'reference-site')).report);
    assert.ok(fresh.length >= 24);
    disk = path.join(dir.path, 'disk');
    fs.mkdirSync(disk);
    mounted = mountTmpfs(disk, '3m');
  });
  after(() => {
    if (mounted) spawnSync('umount', [disk]);
    dir.cleanup();
  });

  for (const leftKB of [60, 300]) {
    it(`with ${leftKB} KB left: "the disk is full: …", exit 2, no signal; after freeing space the next scan is whole`, () => {
      const site = path.join(disk, `site-${leftKB}`);
      fs.cpSync(path.join(dir.path, 'reference-site'), site, {
        recursive: true,
        preserveTimestamps: true,
        filter: (source) => path.basename(source) !== '.doublon',
      });
      const filler = path.join(disk, 'filler');
      let limit: number | undefined;
      if (mounted) {
        const fill = freeKilobytes(disk) - leftKB;
        if (fill > 0) fs.writeFileSync(filler, Buffer.alloc(fill * 1024));
      } else {
        limit = leftKB * 1024; // no file of the scan may grow past this: data.mdb hits it as a full disk would
      }
      const full = scan(site, limit);
      fs.rmSync(filler, { force: true });

      assert.equal(full.signal, null, `died by ${full.signal}:\n${full.stderr}`);
      assert.equal(full.code, 2, full.stderr);
      // LMDB itself prints its write error ("Write error: No space left on device …", and lmdb-js logs the
      // failed commit), before or after Doublon's own line: that line is there, once. LMDB's C code ends its
      // message without a newline, so Doublon's line may follow it on the same line ("… size 12288doublon: …",
      // seen in a fresh-clone run).
      assert.equal(full.stderr.match(/doublon: the disk is full: [^\n]+\n/g)?.length, 1, full.stderr);
      assert.doesNotMatch(full.stderr, /at .*\/out\/daemon\//, 'no stack trace of Doublon');
      assert.equal(full.stdout, '');

      const next = scanJson(site);
      assert.deepEqual(groupsOf(next.report), fresh);
      fs.rmSync(site, { recursive: true, force: true });
    });
  }
});
