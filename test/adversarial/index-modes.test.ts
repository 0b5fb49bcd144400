/**
 * The index folder is private (issue 10, item 9): `.doublon/` 0700, its files 0600, after a scan and after
 * a daemon start, whatever the umask; an index left 0755/0644 by an older version is tightened at open.
 * Before the fix data.mdb, lock.mdb and daemon.log were 0644 and the folder 0755.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../fixtures/images';
import { copyExampleSite, doublon, mode, scanJson } from './index-helpers';

/** Every file and folder under the index folder with its mode, except the user's own files in trash/ and journal/. */
function modes(indexDir: string): Record<string, string> {
  const out: Record<string, string> = { '.': mode(indexDir) };
  const walk = (folder: string): void => {
    for (const name of fs.readdirSync(folder)) {
      const file = path.join(folder, name);
      out[path.relative(indexDir, file)] = mode(file);
      if (fs.statSync(file).isDirectory()) walk(file);
    }
  };
  walk(indexDir);
  return out;
}

function assertPrivate(indexDir: string, expectFiles: string[]): void {
  const found = modes(indexDir);
  for (const name of expectFiles) assert.ok(name in found, `${name} exists: ${Object.keys(found).join(', ')}`);
  for (const [name, value] of Object.entries(found)) {
    const isFolder = fs.statSync(path.join(indexDir, name)).isDirectory();
    assert.equal(value, isFolder ? '0700' : '0600', `${name} is ${value}`);
  }
}

describe('adversarial: the index folder is private (0700, files 0600)', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let site: string;
  let indexDir: string;
  beforeEach(() => {
    dir = tempDir('doublon-modes-');
    site = path.join(dir.path, 'site');
    copyExampleSite(site);
    indexDir = path.join(site, '.doublon');
  });
  afterEach(() => dir.cleanup());

  it('after a scan, with a permissive umask', () => {
    const previous = process.umask(0o002);
    try {
      scanJson(site);
    } finally {
      process.umask(previous);
    }
    assertPrivate(indexDir, ['data.mdb', 'lock.mdb', 'refs', 'refs/data.mdb', 'refs/lock.mdb']);
  });

  it('an index made 0755/0644 (an older version) is tightened by the next scan', () => {
    scanJson(site);
    const loosen = (folder: string): void => {
      fs.chmodSync(folder, 0o755);
      for (const name of fs.readdirSync(folder)) {
        const file = path.join(folder, name);
        if (fs.statSync(file).isDirectory()) loosen(file);
        else fs.chmodSync(file, 0o644);
      }
    };
    loosen(indexDir);
    assert.equal(mode(path.join(indexDir, 'data.mdb')), '0644');
    scanJson(site);
    assertPrivate(indexDir, ['data.mdb', 'lock.mdb', 'refs/data.mdb']);
  });

  it('after a daemon start: daemon.json, daemon.log, the lock and the socket too', () => {
    const started = doublon(site, ['daemon', 'start']);
    try {
      assert.equal(started.code, 0, started.stderr);
      assertPrivate(indexDir, ['data.mdb', 'lock.mdb', 'refs/data.mdb', 'daemon.json', 'daemon.log', 'daemon.lock', 'daemon.sock']);
    } finally {
      const stopped = doublon(site, ['daemon', 'stop']);
      assert.equal(stopped.code, 0, stopped.stderr);
    }
  });
});
