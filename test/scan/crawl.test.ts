/**
 * The crawl on a real tree, outside a git work tree: globs, sources, the .gitignore stack, the index folder,
 * links, names that are not UTF-8; and the daemon's per-folder and per-path answers agree with it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '../../protocol/settings';
import { crawl, filesBelow, type CrawlOptions } from '../../daemon/scan/crawl';
import { makeFileFilter } from '../../daemon/scan/filter';
import { GitignoreStack } from '../../daemon/scan/gitignore';
import { tempDir } from '../fixtures/images';

function put(root: string, rel: string, text = 'x'): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

const rel = (root: string, files: Array<{ path: string }> | string[]): string[] =>
  files
    .map((f) =>
      path
        .relative(root, typeof f === 'string' ? f : f.path)
        .split(path.sep)
        .join('/'),
    )
    .sort();

/** The images of the fixture tree the crawl indexes: what the globs, the .gitignore files and the index folder leave. */
const INDEXED_IMAGES = [
  'a.png',
  'b.JPG',
  'img/c.webp',
  'img/d.svg',
  'keep/build/g.png',
  'nested/deeper/l.log.png',
  'nested/deeper/m.png',
  'nested/j.png',
];

describe('scan: crawl', () => {
  let dir: ReturnType<typeof tempDir>;
  let root: string;
  let options: CrawlOptions;

  beforeEach(() => {
    dir = tempDir('doublon-crawl-');
    root = path.join(dir.path, 'site');
    for (const file of [
      'a.png',
      'b.JPG',
      'index.html',
      'style.css',
      'notes.txt',
      'app.min.js',
      'img/c.webp',
      'img/d.svg',
      'img/tmp/e.png',
      'build/f.png',
      'keep/build/g.png',
      'node_modules/pkg/h.png',
      '.doublon/thumbs/i.png',
      'nested/.gitignore',
      'nested/j.png',
      'nested/k.log.png',
      'nested/deeper/l.log.png',
      'nested/deeper/m.png',
    ])
      put(root, file);
    put(root, '.gitignore', '/build/\nimg/tmp/\n');
    put(root, 'nested/.gitignore', '*.log.png\n!deeper/l.log.png\n');
    options = {
      roots: [root],
      include: DEFAULT_CONFIG.include,
      exclude: DEFAULT_CONFIG.exclude,
      sources: DEFAULT_CONFIG.sources,
      gitignore: true,
      skipFolders: [path.join(root, '.doublon')],
    };
  });
  afterEach(() => dir.cleanup());

  it('lists images and sources apart, pruned by the globs, the .gitignore files and the index folder', async () => {
    const result = await crawl(options);
    assert.deepEqual(rel(root, result.files), INDEXED_IMAGES);
    assert.deepEqual(rel(root, result.sources), ['index.html', 'style.css']);
    assert.deepEqual(result.errors, []);
    const stat = fs.statSync(path.join(root, 'a.png'));
    assert.deepEqual(result.files[0], { path: path.join(root, 'a.png'), size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino });
  });

  it('with gitignore off, sees what the .gitignore files hide (the globs still apply)', async () => {
    const result = await crawl({ ...options, gitignore: false });
    assert.deepEqual(rel(root, result.files), [
      'a.png',
      'b.JPG',
      'build/f.png',
      'img/c.webp',
      'img/d.svg',
      'img/tmp/e.png',
      'keep/build/g.png',
      'nested/deeper/l.log.png',
      'nested/deeper/m.png',
      'nested/j.png',
      'nested/k.log.png',
    ]);
  });

  it('the daemon answers per path and per folder exactly as the crawl did', async () => {
    const crawled = rel(root, (await crawl(options)).files);
    const filter = makeFileFilter(options.include, options.exclude, options.sources);
    const gitignore = new GitignoreStack(root);
    const everyPng = (fs.readdirSync(root, { recursive: true }) as string[])
      .map((p) => p.split(path.sep).join('/'))
      .filter((p) => /\.(png|jpg|webp|svg)$/i.test(p));
    const perPath = everyPng.filter(
      (p) =>
        filter.acceptFile(p) &&
        !gitignore.ignores(path.join(root, p), false) &&
        !p.startsWith('.doublon/') &&
        !p
          .split('/')
          .slice(0, -1)
          .some((_, i, parts) => gitignore.ignores(path.join(root, ...parts.slice(0, i + 1)), true)),
    );
    assert.deepEqual(perPath.sort(), crawled);
    const below = filesBelow(path.join(root, 'nested'), root, {
      filter,
      gitignore: new GitignoreStack(root),
      skipFolders: new Set(options.skipFolders),
    });
    assert.deepEqual(rel(root, below), [
      'nested/.gitignore',
      'nested/deeper/l.log.png',
      'nested/deeper/m.png',
      'nested/j.png',
      'nested/k.log.png',
    ]);
    const whole = filesBelow(root, root, { filter, gitignore: new GitignoreStack(root), skipFolders: new Set(options.skipFolders) });
    assert.ok(
      !rel(root, whole).some(
        (p) => p.startsWith('build/') || p.startsWith('img/tmp/') || p.startsWith('.doublon/') || p.startsWith('node_modules/'),
      ),
    );
  });

  it('does not follow links, and reports a name that is not UTF-8 while indexing the rest', async function () {
    fs.symlinkSync(path.join(root, 'img'), path.join(root, 'img-link'));
    put(dir.path, 'outside/secret.png');
    fs.symlinkSync(path.join(dir.path, 'outside', 'secret.png'), path.join(root, 'secret.png'));
    let badName = true;
    try {
      fs.writeFileSync(
        Buffer.concat([Buffer.from(path.join(root, 'img') + path.sep), Buffer.from([0x62, 0xe9, 0x2e, 0x70, 0x6e, 0x67])]),
        'x',
      );
    } catch {
      badName = false; // a file system that refuses such names
    }
    const result = await crawl(options);
    assert.deepEqual(rel(root, result.files), INDEXED_IMAGES);
    if (badName) {
      assert.deepEqual(
        result.errors.map((e) => [path.relative(root, e.path), e.message]),
        [[path.join('img', 'b\\xe9.png'), 'skipped: the name is not valid UTF-8 (bytes shown as \\xNN); rename it to index it']],
      );
    }
  });
});
