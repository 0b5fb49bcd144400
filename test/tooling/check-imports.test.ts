/**
 * The import rule of `npm run lint` (scripts/check-imports.mjs) run as a process: clean on the repository, and
 * failing, with the importing line named, on each kind of violation planted in a copy of the sources.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../fixtures/images';

const REPO = path.resolve(__dirname, '../../..');
const CHECKER = path.join(REPO, 'scripts/check-imports.mjs');
const SOURCES = ['protocol', 'daemon', 'extension', 'test', 'bench'];

function checkImports(root?: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CHECKER, ...(root ? ['--root', root] : [])], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('import rule (scripts/check-imports.mjs)', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  /** Original text of the files a test planted an import in, put back after it. */
  const planted = new Map<string, string>();

  before(() => {
    dir = tempDir('doublon-imports-');
    for (const folder of SOURCES) {
      fs.cpSync(path.join(REPO, folder), path.join(dir.path, folder), {
        recursive: true,
        filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.ts'),
      });
    }
  });
  afterEach(() => {
    for (const [file, text] of planted) fs.writeFileSync(file, text);
    planted.clear();
  });
  after(() => dir?.cleanup());

  /** Appends `line` to a source file of the copy. */
  function plant(file: string, line: string): void {
    const target = path.join(dir.path, file);
    if (!planted.has(target)) planted.set(target, fs.readFileSync(target, 'utf8'));
    fs.appendFileSync(target, `\n${line}\n`);
  }

  it('passes on the repository and on an untouched copy of it', () => {
    const repo = checkImports();
    assert.equal(repo.status, 0, repo.output);
    assert.match(repo.output, /0 violations/);
    const copy = checkImports(dir.path);
    assert.equal(copy.status, 0, copy.output);
  });

  it('fails when the extension imports daemon/, even a type', () => {
    plant('extension/main.ts', "import type { ResolvedConfig } from '../daemon/config/load';");
    const { status, output } = checkImports(dir.path);
    assert.equal(status, 1, output);
    assert.match(output, /^extension\/main\.ts:\d+: imports \.\.\/daemon\/config\/load .*through protocol\/ only/m);
  });

  it('fails when protocol/ imports the daemon', () => {
    plant('protocol/report.ts', "export { relativePosix } from '../daemon/scan/relative';");
    const { status, output } = checkImports(dir.path);
    assert.equal(status, 1, output);
    assert.match(output, /^protocol\/report\.ts:\d+: imports \.\.\/daemon\/scan\/relative/m);
  });

  it('fails when the engine imports a front end, or report/ the dashboard', () => {
    plant('daemon/groups/build.ts', "import '../server/auth';");
    plant('daemon/report/formats.ts', "import '../dashboard/assets';");
    const { status, output } = checkImports(dir.path);
    assert.equal(status, 1, output);
    assert.match(output, /^daemon\/groups\/build\.ts:\d+: imports \.\.\/server\/auth .*engine knows nothing of transports/m);
    assert.match(output, /^daemon\/report\/formats\.ts:\d+: imports \.\.\/dashboard\/assets/m);
  });

  it('fails on a new cycle between folders, naming the imports that close it', () => {
    // scan/ already imports index/ (the store); index/ importing scan/ back closes a cycle.
    plant('daemon/index/disk.ts', "import { relativePosix } from '../scan/relative';\nexport const unused = relativePosix;");
    const { status, output } = checkImports(dir.path);
    assert.equal(status, 1, output);
    assert.match(output, /cycle between folders .*daemon\/index ↔ daemon\/scan/);
    assert.match(output, /daemon\/index\/disk\.ts:\d+ imports \.\.\/scan\/relative/);
  });

  it('fails on a cycle between two files of one folder', () => {
    plant('daemon/refs/attribute-text.ts', "import './html';");
    const { status, output } = checkImports(dir.path);
    assert.equal(status, 1, output);
    assert.match(output, /cycle between files daemon\/refs\/attribute-text\.ts ↔ daemon\/refs\/html\.ts/);
  });
});
