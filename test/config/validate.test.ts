import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, validateConfig } from '../../daemon/config/validate';
import { loadConfig } from '../../daemon/config/load';
import { DEFAULT_CONFIG } from '../../protocol/settings';

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, 'doublon.config.json');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config validation', () => {
  it('fills defaults for an empty object', () => {
    assert.deepEqual(validateConfig({}, 'x'), DEFAULT_CONFIG);
  });

  it('keeps valid values', () => {
    const config = validateConfig(
      {
        roots: ['site', 'assets'],
        thresholds: { nearSimilarity: 0.95 },
        canonical: { preferred: ['assets/**'], rules: ['oldest', 'lexical'] },
        ignore: ['legacy/**', { paths: ['a.png', 'b.png'] }],
      },
      'x',
    );
    assert.deepEqual(config.roots, ['site', 'assets']);
    assert.equal(config.thresholds.nearSimilarity, 0.95);
    assert.deepEqual(config.canonical, { preferred: ['assets/**'], rules: ['oldest', 'lexical'] });
    assert.deepEqual(config.ignore, ['legacy/**', { paths: ['a.png', 'b.png'] }]);
  });

  it('names the key, the expected and the received value', () => {
    assert.deepEqual(problemsOf({ thresholds: { nearSimilarity: 7 } }), [
      'thresholds.nearSimilarity: expected a number between 0.5 and 1, received 7 (number)',
    ]);
    assert.deepEqual(problemsOf({ roots: 'site' }), ['roots: expected a non-empty array of strings, received "site" (string)']);
    assert.deepEqual(problemsOf({ roots: [] }), ['roots: expected a non-empty array of strings, received an array of 0']);
    assert.deepEqual(problemsOf({ failOn: ['exact', 'similar'] }), [
      'failOn[1]: expected one of exact, pixel, near, unreadable, received "similar" (string)',
    ]);
    assert.deepEqual(problemsOf({ gitignore: 'yes' }), ['gitignore: expected true or false, received "yes" (string)']);
    assert.deepEqual(problemsOf({ ignore: [42] }), [
      'ignore[0]: expected a glob string or { "paths": [two or more files] }, received 42 (number)',
    ]);
    assert.deepEqual(problemsOf({ canonical: { rules: ['biggest'] } }), [
      'canonical.rules[0]: expected one of preferred, most-referenced, highest-resolution, lossless, smallest-file, oldest, shortest-path, lexical, received "biggest" (string)',
    ]);
  });

  it('reports every problem at once, and unknown keys', () => {
    const problems = problemsOf({ root: ['x'], maxPixels: -1, indexDir: '' });
    assert.equal(problems.length, 3);
    assert.match(problems[0], /^root: unknown key \(known keys: roots, /);
    assert.equal(problems[1], 'maxPixels: expected a number between 1 and 1000000000000, received -1 (number)');
    assert.equal(problems[2], 'indexDir: expected a non-empty string, received "" (string)');
  });

  it('rejects a config that is not an object', () => {
    assert.deepEqual(problemsOf([1]), ['(top level): expected an object, received an array of 1']);
  });
});

describe('config loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-config-')));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the config in a parent folder and resolves paths from it', () => {
    fs.mkdirSync(path.join(dir, 'site/pages'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'doublon.config.json'), JSON.stringify({ roots: ['site', 'assets', 'site/pages'] }));
    const config = loadConfig({ cwd: path.join(dir, 'site/pages') });
    assert.equal(config.file, path.join(dir, 'doublon.config.json'));
    assert.deepEqual(config.roots.sort(), [path.join(dir, 'assets'), path.join(dir, 'site')], 'a root inside another is dropped');
    assert.equal(config.indexDir, path.join(dir, '.doublon'));
  });

  it('says which root does not exist', () => {
    assert.throws(
      () => loadConfig({ cwd: dir, roots: ['missing'] }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(`roots: ${path.join(dir, 'missing')} does not exist`),
    );
  });

  it('reports JSON syntax errors with the file name', () => {
    fs.writeFileSync(path.join(dir, 'doublon.config.json'), '{ "roots": [ }');
    assert.throws(
      () => loadConfig({ cwd: dir }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith(`${path.join(dir, 'doublon.config.json')}: invalid configuration\n  not valid JSON:`),
    );
  });
});
