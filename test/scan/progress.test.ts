/**
 * A scan is never silent: with stderr a pipe (CI logs), `doublon scan` prints a progress line every
 * interval — files done, total, rate — and the report on stdout is unchanged. The interval is made short
 * (DOUBLON_PROGRESS_INTERVAL_MS) so a small folder spans several.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { progressLine } from '../../daemon/cli/progress';
import { BIN } from '../helpers/cli';
import { makePhoto, tempDir } from '../fixtures/images';

const FILES = 40;

function scan(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'scan', '--no-daemon', ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const FILES_LINE = /^doublon: (\d+)\/(\d+) files \((\d+) %\), ([\d.]+) files\/s$/;

describe('scan progress on a non-terminal stderr', function () {
  this.timeout(120_000);
  const dir = tempDir('doublon-progress-');

  before(async () => {
    for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(dir.path, `photo-${i}.jpg`), await makePhoto(i, 640, 480));
  });
  after(() => dir.cleanup());

  it('prints files done, total and rate every interval, and the report as usual', async () => {
    const result = await scan(dir.path, { DOUBLON_PROGRESS_INTERVAL_MS: '20' }, '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).version, 1);
    const lines = result.stderr.split('\n').filter((l) => l.length > 0);
    const files = lines.map((l) => FILES_LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    assert.ok(files.length >= 1, `no progress line in:\n${result.stderr}`);
    let previous = 0;
    for (const [, done, total, percent] of files) {
      assert.equal(Number(total), FILES);
      assert.ok(Number(done) >= previous && Number(done) <= FILES);
      assert.equal(Number(percent), Math.floor((100 * Number(done)) / FILES));
      previous = Number(done);
    }
    // Nothing else than progress lines on stderr (listing and grouping phases have their own wording).
    for (const line of lines)
      assert.match(line, /^doublon: (listing files|\d+\/\d+ (files|new contents grouped) \(\d+ %\), [\d.]+ (files|contents)\/s)$/);
  });

  it('prints nothing with --no-progress', async () => {
    fs.rmSync(path.join(dir.path, '.doublon'), { recursive: true, force: true });
    const result = await scan(dir.path, { DOUBLON_PROGRESS_INTERVAL_MS: '20' }, '--json', '--no-progress');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });

  it('formats a line with the percentage and the rate', () => {
    assert.equal(progressLine({ phase: 'hash', done: 1200, total: 1912 }, 25), 'doublon: 1200/1912 files (62 %), 48 files/s\n');
    assert.equal(progressLine({ phase: 'hash', done: 3, total: 10 }, 2), 'doublon: 3/10 files (30 %), 1.5 files/s\n');
    assert.equal(progressLine({ phase: 'group', done: 0, total: 0 }, 0), 'doublon: 0/0 new contents grouped (100 %), 0.0 contents/s\n');
  });
});
