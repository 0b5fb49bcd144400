/**
 * Ignore like git: inside a work tree the crawl indexes what git sees, checked file by file against
 * `git check-ignore` (tracked files count as seen, as in git); outside one, the .gitignore stack, checked
 * against git on a copy of the same tree.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crawl } from '../../daemon/scan/crawl';
import { GitignoreStack } from '../../daemon/scan/gitignore';
import { tempDir } from '../fixtures/images';

function git(cwd: string, ...args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout };
}

function put(dir: string, rel: string, text = 'x'): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

/** Every .png below `dir`, relative, `/` separators (the .git folder aside). */
function allPngs(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((p) => p.split(path.sep).join('/'))
    .filter((p) => p.endsWith('.png') && !p.startsWith('.git/'))
    .sort();
}

/** What git sees under `root` (run inside `repo`), one file at a time: tracked, or not ignored. */
function seenByGit(repo: string, root: string, config: string[] = []): string[] {
  return allPngs(root).filter((rel) => {
    const inRepo = path.relative(repo, path.join(root, rel));
    return git(repo, ...config, 'check-ignore', '-q', '--', inRepo).status === 1;
  });
}

async function crawled(root: string): Promise<string[]> {
  const result = await crawl({ roots: [root], include: ['**/*.png'], exclude: ['**/.git/**'], gitignore: true });
  return result.files.map((f) => path.relative(root, f.path).split(path.sep).join('/')).sort();
}

/** site/ inside a repository whose root, info/exclude and core.excludesFile all ignore something. */
function writeTree(site: string): void {
  for (const rel of [
    'a.png',
    'x.tmp.png',
    'tracked.tmp.png',
    'excluded/e.png',
    'global-1.png',
    'build/b.png',
    'sub/s.png',
    'sub/keep.png',
    'sub/deep/d.png',
    'icons/i.png',
    'icons/j.png',
    'negated/n.png',
  ])
    put(site, rel);
  put(site, '.gitignore', 'icons/\nnegated/*\n!negated/n.png\n');
  put(site, 'sub/.gitignore', '*.png\n!keep.png\n');
}

describe('ignore like git', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(() => (dir = tempDir('doublon-gitignore-')));
  afterEach(() => dir.cleanup());

  it('inside a work tree: parent .gitignore, info/exclude, core.excludesFile, and tracked files a pattern matches', async () => {
    const repo = path.join(dir.path, 'repo');
    const site = path.join(repo, 'site');
    writeTree(site);
    assert.equal(git(repo, 'init', '-q').status, 0);
    put(repo, '.gitignore', '*.tmp.png\n/site/build/\n');
    put(repo, '.git/info/exclude', 'excluded/\n');
    put(dir.path, 'global-ignore', 'global-*.png\n');
    git(repo, 'config', 'core.excludesFile', path.join(dir.path, 'global-ignore'));
    // Tracked although ignored: git has them, so Doublon indexes them.
    git(repo, 'add', '-f', 'site/tracked.tmp.png', 'site/icons/i.png');
    git(repo, 'commit', '-q', '-m', 'tracked');

    const expected = seenByGit(repo, site);
    assert.deepEqual(
      expected,
      ['a.png', 'icons/i.png', 'negated/n.png', 'sub/keep.png', 'tracked.tmp.png'],
      'the fixture covers every rule',
    );
    assert.deepEqual(await crawled(site), expected);

    // The daemon's per-path answer agrees, and sees files created after its listing.
    const stack = new GitignoreStack(site);
    for (const rel of allPngs(site)) assert.equal(stack.ignores(path.join(site, rel), false), !expected.includes(rel), rel);
    put(site, 'new.png');
    put(site, 'new.tmp.png');
    assert.equal(stack.ignores(path.join(site, 'new.png'), false), false);
    assert.equal(stack.ignores(path.join(site, 'new.tmp.png'), false), true);
    assert.equal(stack.ignores(path.join(site, 'build'), true), true);
    assert.equal(stack.ignores(path.join(site, 'icons'), true), false, 'a folder holding a tracked file is entered');
  });

  it('outside a work tree: the .gitignore files from the root down, as git reads them', async () => {
    const site = path.join(dir.path, 'plain');
    writeTree(site);
    const truth = path.join(dir.path, 'truth');
    writeTree(truth);
    assert.equal(git(truth, 'init', '-q').status, 0);
    const expected = seenByGit(truth, truth, ['-c', 'core.excludesFile=/dev/null']);
    assert.deepEqual(expected, [
      'a.png',
      'build/b.png',
      'excluded/e.png',
      'global-1.png',
      'negated/n.png',
      'sub/keep.png',
      'tracked.tmp.png',
      'x.tmp.png',
    ]);
    assert.deepEqual(await crawled(site), expected);
  });
});
