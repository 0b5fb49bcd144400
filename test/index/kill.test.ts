import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from 'lmdb';
import { IndexStore, type FileRecord } from '../../daemon/index/store';

const WRITER = path.join(__dirname, 'helpers', 'writer.js');

/** Resolves with the clock of the child's "flushed" line once it has printed "batch <killAt>". */
function waitForBatch(child: ChildProcess, killAt: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    let flushedClock = -1;
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [word, value] = line.split(' ');
        if (word === 'flushed') flushedClock = Number(value);
        if (word === 'batch' && Number(value) >= killAt) resolve(flushedClock);
      }
    });
    child.on('exit', (code, signal) => reject(new Error(`writer exited early (code ${code}, signal ${signal}): ${stderr}`)));
  });
}

/** Reads the raw databases (not through IndexStore) and compares files with the sha index. */
async function rawConsistency(dir: string): Promise<{ files: number; withSha: number; problems: string[] }> {
  const root = open({ path: dir, noSubdir: false, maxDbs: 8 });
  try {
    const files = root.openDB<FileRecord, string>({ name: 'files', encoding: 'msgpack' });
    const sha = root.openDB<string, string>({ name: 'sha', dupSort: true, encoding: 'ordered-binary' });
    const expected = new Set<string>();
    let count = 0;
    for (const { key, value } of files.getRange({})) {
      count++;
      assert.equal(value.path, key);
      if (value.sha256) expected.add(`${value.sha256} ${key}`);
    }
    const actual = new Set<string>();
    for (const { key, value } of sha.getRange({})) actual.add(`${key} ${value}`);
    const problems = [
      ...[...expected].filter((e) => !actual.has(e)).map((e) => `missing sha entry ${e}`),
      ...[...actual].filter((e) => !expected.has(e)).map((e) => `stray sha entry ${e}`),
    ];
    return { files: count, withSha: expected.size, problems };
  } finally {
    await root.close();
  }
}

describe('IndexStore survives SIGKILL', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-kill-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a writer killed mid-way leaves an index that opens, keeps what was flushed, and whose file ↔ sha index is consistent', async function () {
    this.timeout(120_000);
    // Three rounds on the same index, killed at different points; each round starts from the last kill.
    for (const [round, killAt] of [
      [0, 14],
      [1, 23],
      [2, 37],
    ]) {
      const child = spawn(process.execPath, [WRITER, dir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      let flushedClock: number;
      try {
        flushedClock = await waitForBatch(child, killAt);
      } finally {
        child.kill('SIGKILL');
      }
      assert.equal(await exited, 'SIGKILL', `round ${round}: the writer was killed, not finished`);

      const raw = await rawConsistency(dir);
      assert.deepEqual(raw.problems, [], `round ${round}: raw databases`);
      assert.ok(raw.files > 1000 && raw.withSha > 1000, `round ${round}: ${raw.files} files, ${raw.withSha} with a sha`);

      const store = IndexStore.open(dir, { schemaVersion: 1 });
      try {
        assert.equal(store.rebuilt, false, `round ${round}: ${store.rebuildReason}`);
        assert.deepEqual(store.verify(), [], `round ${round}: verify()`);
        assert.ok(store.clock >= flushedClock, `round ${round}: clock ${store.clock} lost the flushed ${flushedClock}`);
        // Every sha a file points at came with its content record (written before the file in the same turn).
        for (const rec of store.files()) if (rec.sha256) assert.ok(store.getContent(rec.sha256), `round ${round}: content of ${rec.path}`);
      } finally {
        await store.close();
      }
    }
  });
});
