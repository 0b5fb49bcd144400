/**
 * The reference store on real LMDB in a temp folder, fed by the real parsers (updateReferences): records and
 * the reverse index by target kept in step, unchanged files not parsed again, vanished ones dropped, what a
 * close and a reopen keep, and a store of another layout started afresh.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open } from 'lmdb';
import { ReferenceStore, REFERENCE_SCHEMA } from '../../daemon/refstore/store';
import { updateReferences, type ReferenceUpdateOptions } from '../../daemon/refstore/update';
import type { FileStat } from '../../daemon/scan/crawl';
import { tempDir } from '../fixtures/images';

describe('references: the reference store', () => {
  let dir: ReturnType<typeof tempDir>;
  let site: string;
  let indexDir: string;
  let store: ReferenceStore | undefined;
  let options: ReferenceUpdateOptions;

  const file = (rel: string): string => path.join(site, rel);
  const put = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
    fs.writeFileSync(file(rel), text);
  };
  const statOf = (rel: string): FileStat => {
    const st = fs.statSync(file(rel));
    return { path: file(rel), size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  };

  beforeEach(() => {
    dir = tempDir('doublon-refstore-');
    site = path.join(dir.path, 'site');
    indexDir = path.join(dir.path, 'index');
    for (const image of ['img/a.png', 'img/b.png', 'img/c.png']) put(image, 'png');
    put('index.html', '<img src="img/a.png"><img src="img/b.png">\n');
    put('style.css', '.x { background: url(img/a.png) }\n');
    options = { resolve: { roots: [site], webRoots: [site] }, isImage: (p) => p.endsWith('.png') };
    store = ReferenceStore.open(indexDir);
  });
  afterEach(async () => {
    await store?.close();
    dir.cleanup();
  });

  it('records each source with its resolved references, and answers by target', async () => {
    const stats = await updateReferences(store!, [statOf('index.html'), statOf('style.css')], options);
    assert.deepEqual(stats, { sources: 2, parsed: 2, removed: 0, references: 3 });
    assert.deepEqual(store!.sourcesOf(file('img/a.png')).sort(), [file('index.html'), file('style.css')]);
    assert.deepEqual(store!.sourcesOf(file('img/b.png')), [file('index.html')]);
    assert.deepEqual(store!.sourcesOf(file('img/c.png')), []);
    assert.equal(store!.referenceCount(file('img/a.png')), 2);
    const html = store!.referencesTo(file('img/b.png'));
    assert.equal(html.length, 1);
    assert.equal(html[0].source, file('index.html'));
    assert.equal(html[0].value, 'img/b.png');
    assert.equal('<img src="img/a.png"><img src="img/b.png">'.slice(html[0].start, html[0].end), 'img/b.png');
    const record = store!.getSource(file('style.css'))!;
    assert.deepEqual(
      { size: record.size, mtimeMs: record.mtimeMs, ino: record.ino },
      (({ size, mtimeMs, ino }) => ({ size, mtimeMs, ino }))(statOf('style.css')),
    );
  });

  it('parses again only what changed, moves the reverse index with it, and drops vanished sources', async () => {
    await updateReferences(store!, [statOf('index.html'), statOf('style.css')], options);
    assert.equal((await updateReferences(store!, [statOf('index.html'), statOf('style.css')], options)).parsed, 0, 'nothing changed');

    put('index.html', '<img src="img/c.png">\n');
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file('index.html'), later, later);
    const stats = await updateReferences(store!, [statOf('index.html')], options);
    assert.deepEqual(stats, { sources: 1, parsed: 1, removed: 1, references: 1 });
    assert.deepEqual(store!.sourcesOf(file('img/a.png')), [], 'style.css vanished from the list, index.html no longer names it');
    assert.deepEqual(store!.sourcesOf(file('img/b.png')), []);
    assert.deepEqual(store!.sourcesOf(file('img/c.png')), [file('index.html')]);
    assert.equal(store!.getSource(file('style.css')), undefined);
    assert.deepEqual(
      [...store!.allSources()].map((r) => r.path),
      [file('index.html')],
    );

    store!.removeSource(file('index.html'));
    assert.deepEqual(store!.sourcesOf(file('img/c.png')), []);
    assert.deepEqual([...store!.allSources()], []);
  });

  it('keeps template mentions and answers which images they may name', async () => {
    put('theme/page.njk', '<img src="/img/{{ name }}.png">\n');
    await updateReferences(store!, [statOf('theme/page.njk')], options);
    const mentions = store!.mentionsOf(file('img/a.png'));
    assert.equal(mentions.length, 1);
    assert.equal(mentions[0].source, file('theme/page.njk'));
    assert.deepEqual(store!.mentionsOf(path.join(dir.path, 'elsewhere', 'a.svg')), []);
  });

  it('keeps its records across a close and a reopen, sealed', async () => {
    await updateReferences(store!, [statOf('index.html'), statOf('style.css')], options);
    await store!.close();
    store = undefined;
    assert.ok(
      fs.existsSync(path.join(indexDir, 'refs', 'closed-cleanly.json')),
      'a clean close seals the environment (daemon/index/integrity.ts)',
    );
    store = ReferenceStore.open(indexDir);
    assert.equal(store.recovery, undefined);
    assert.equal(store.referenceCount(file('img/a.png')), 2);
    assert.equal((await updateReferences(store, [statOf('index.html'), statOf('style.css')], options)).parsed, 0);
  });

  it('starts afresh when the stored layout is another one (references are re-derived from the sources)', async () => {
    await updateReferences(store!, [statOf('index.html')], options);
    await store!.close();
    store = undefined;
    const root = open({ path: path.join(indexDir, 'refs'), maxDbs: 4 });
    root.openDB<number, string>({ name: 'meta' }).putSync('schema', REFERENCE_SCHEMA - 1);
    await root.close();
    store = ReferenceStore.open(indexDir);
    assert.deepEqual([...store.allSources()], []);
    assert.deepEqual(store.sourcesOf(file('img/a.png')), []);
    assert.equal((await updateReferences(store, [statOf('index.html')], options)).parsed, 1);
  });
});
