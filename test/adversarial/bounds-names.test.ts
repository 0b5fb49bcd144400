/**
 * Non-UTF-8 file names (issue 10, item 9): a file whose name is not valid UTF-8 was reported as "vanished
 * while being read" (Node decodes the name with U+FFFD, a path that does not exist). It is now named, with
 * its bytes escaped, and the scan goes on. Real files, the real CLI as a process (Linux file names are bytes).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePhoto, tempDir } from '../fixtures/images';
import { spawnCli } from '../helpers/cli';

describe('adversarial: file names that are not UTF-8 (issue 10, item 9)', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => {
    dir = tempDir('doublon-bounds-names-');
  });
  afterEach(() => dir.cleanup());

  it('names the file and the folder with their bytes escaped; the other files are indexed', async () => {
    const photo = await makePhoto(5, 96, 64);
    const root = path.join(dir.path, 'site');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'a.png'), photo);
    fs.writeFileSync(path.join(root, 'b.png'), photo);
    const rootBytes = Buffer.from(root + path.sep);
    fs.writeFileSync(Buffer.concat([rootBytes, Buffer.from('caf\xe9.png', 'latin1')]), photo);
    fs.mkdirSync(Buffer.concat([rootBytes, Buffer.from([0x64, 0xff])]));
    fs.writeFileSync(Buffer.concat([rootBytes, Buffer.from([0x64, 0xff]), Buffer.from('/c.png')]), photo);

    const result = spawnCli(dir.path, {}, 'scan', '--json', '--no-daemon', 'site');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      groups: Array<{ members: Array<{ path: string }> }>;
      errors: Array<{ path: string; message: string }>;
    };
    const message = 'skipped: the name is not valid UTF-8 (bytes shown as \\xNN); rename it to index it';
    assert.deepEqual(
      report.errors.map((e) => ({ path: e.path, message: e.message })).sort((x, y) => x.path.localeCompare(y.path)),
      [
        { path: 'site/caf\\xe9.png', message },
        { path: 'site/d\\xff', message },
      ],
    );
    assert.deepEqual(
      report.groups.map((g) => g.members.map((m) => m.path).sort()),
      [['site/a.png', 'site/b.png']],
    );
  });
});
