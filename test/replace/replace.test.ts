/* eslint-disable max-lines -- one suite over one fixture site: plan, apply and undo share its setup. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveReference, extractFile, languageOf } from '../../daemon/refs';
import { applyPlan, formatPlan, makePlan, ReplaceError, undoLast, type Journal, type ReplacePlan } from '../../daemon/replace';
import { IMAGES, LATIN1_REL, LATIN1_TEXT, makeSite, snapshot, SOURCES, walk, type Site } from './site';

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<ReplaceError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ReplaceError, `expected a ReplaceError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}

/** [file, "line:column" (1-based), old, new] for every planned edit, in plan order. */
function editsOf(plan: ReplacePlan, site: Site): string[][] {
  return plan.files.flatMap((f) =>
    f.edits.map((e) => [
      path.relative(site.dir, f.path).split(path.sep).join('/'),
      `${e.range.start.line + 1}:${e.range.start.character + 1}`,
      e.oldText,
      e.newText,
    ]),
  );
}

const EXPECTED_EDITS = [
  ['docs/guide.md', '3:9', '../public/img/logo-copy.png', '../public/img/logo.png'],
  ['docs/guide.md', '7:8', '../public/img/logo-z9.png', '../public/img/logo.png'],
  ['public/about/team.html', '2:14', '../img/logo-copy.png', '../img/logo.png'],
  ['public/about/team.html', '2:51', '/img/old/logo.png', '/img/logo.png'],
  ['public/about/team.html', '3:30', '../img/logo-z9.png', '../img/logo.png'],
  [LATIN1_REL, '2:11', 'img/logo-copy.png', 'img/logo.png'],
  ['public/css/bom.css', '1:24', '../img/logo-copy.png', '../img/logo.png'],
  ['public/css/site.css', '1:25', '../img/logo-copy.png', '../img/logo.png'],
  ['public/css/site.css', '2:31', '/img/old/logo.png', '/img/logo.png'],
  ['public/index.html', '5:26', '/img/logo-copy.png?v=2', '/img/logo.png?v=2'],
  ['public/index.html', '8:13', 'img/logo-copy.png', 'img/logo.png'],
  ['public/index.html', '9:13', './img/old/logo.png', './img/logo.png'],
  ['public/index.html', '10:13', 'img/logo-z9.png#top', 'img/logo.png#top'],
  ['public/manifest.json', '3:23', '/img/logo-copy.png', '/img/logo.png'],
  ['src/components/Logo.tsx', '1:19', '../../public/img/logo-copy.png', '../../public/img/logo.png'],
];

/** The site's sources after replacing exact and pixel copies of the logo (hero and photo variants untouched). */
function expectedSources(): Record<string, string> {
  const s = { ...SOURCES };
  s['public/index.html'] = SOURCES['public/index.html']
    .replace('href="/img/logo-copy.png?v=2"', 'href="/img/logo.png?v=2"')
    .replace('src="img/logo-copy.png"', 'src="img/logo.png"')
    .replace('src="./img/old/logo.png"', 'src="./img/logo.png"')
    .replace('src="img/logo-z9.png#top"', 'src="img/logo.png#top"');
  s['public/about/team.html'] = `<h1>Team</h1>
<p><img src="../img/logo.png"> and <img src="/img/logo.png" alt="x"></p>
<div style="background: url('../img/logo.png') no-repeat"></div>
`;
  s['public/css/site.css'] = `.logo { background: url(../img/logo.png) center; }
.old { background-image: url("/img/logo.png"); }
`;
  s['public/css/bom.css'] = `\uFEFF.bom { background: url(../img/logo.png); }
`;
  s['docs/guide.md'] = `# Guide

![Logo](../public/img/logo.png "the logo")

See [the old logo][old].

[old]: ../public/img/logo.png
`;
  s['src/components/Logo.tsx'] = `import logo from '../../public/img/logo.png';

export const Logo = () => <img src={logo} alt="" />;
`;
  s['public/manifest.json'] = SOURCES['public/manifest.json'].replace('/img/logo-copy.png', '/img/logo.png');
  return s;
}

/** Number of references in the site's source files; asserts each resolves to an existing file. */
async function countResolved(site: Site): Promise<number> {
  let count = 0;
  for (const source of walk(site.dir).filter((f) => languageOf(f))) {
    for (const ref of (await extractFile(source, { resolve: site.resolve })).references) {
      count++;
      assert.ok(resolveReference(source, ref.value, { ...site.resolve, kind: ref.kind }), `${source}: ${ref.text} resolves`);
    }
  }
  return count;
}

function journals(site: Site): Journal[] {
  const dir = path.join(site.indexDir, 'journal');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as Journal);
}

describe('replace: plan → apply → undo on a real site', function () {
  this.timeout(60000);
  let site: Site;
  beforeEach(async () => {
    site = await makeSite();
  });
  afterEach(() => site.cleanup());

  const plan = async (options: Parameters<typeof makePlan>[1] = {}) => {
    const referencesTo = await site.index();
    return makePlan({ groups: site.groups, referencesTo, resolve: site.resolve }, options);
  };
  const apply = async (p: ReplacePlan, extra: Partial<Parameters<typeof applyPlan>[1]> = {}) =>
    applyPlan(JSON.parse(JSON.stringify(p)) as ReplacePlan, {
      indexDir: site.indexDir,
      groups: site.groups,
      resolve: site.resolve,
      referencesTo: await site.index(),
      ...extra,
    });

  it('plans exactly the expected edits, removals and skips, and changes nothing on disk', async () => {
    const before = snapshot(site.dir);
    const p = await plan({ delete: true });
    assert.deepEqual(snapshot(site.dir), before);
    assert.equal(fs.existsSync(site.indexDir), false, 'planning creates no index files');
    assert.deepEqual(editsOf(p, site), EXPECTED_EDITS);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p, 'the plan is plain JSON');
    assert.equal(p.version, 1);
    assert.deepEqual(p.classes, ['exact', 'pixel']);

    const latin = p.files.find((f) => f.path === site.file(LATIN1_REL));
    assert.equal(latin?.encoding, 'latin1');
    const bom = p.files.find((f) => f.path === site.file('public/css/bom.css'));
    assert.equal(bom?.encoding, 'utf8');
    assert.equal(bom?.bom, true);
    for (const f of p.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);

    const removed = p.removals.map((r) => path.relative(site.dir, r.path).split(path.sep).join('/'));
    assert.deepEqual(removed, [IMAGES.logoCopy, IMAGES.oldLogo, IMAGES.logoZ9]);
    const size = (rel: string) => fs.statSync(site.file(rel)).size;
    assert.equal(p.bytesReclaimed, size(IMAGES.logoCopy) + size(IMAGES.oldLogo) + size(IMAGES.logoZ9));

    const reasons = p.skipped.map((s) => `${s.code} ${s.reason}`);
    const has = (re: RegExp) =>
      assert.ok(
        reasons.some((r) => re.test(r)),
        `no skip matching ${re}:\n${reasons.join('\n')}`,
      );
    has(/^variant public\/index\.html:12: img\/hero-2x\.png is a variant of public\/img\/hero\.png in the same srcset/);
    has(/^variant public\/index\.html:14: img\/photo-copy\.png is a variant of public\/img\/photo\.png in the same srcset or <picture>/);
    has(/^class-not-selected public\/img\/logo-small\.jpg: a near copy/);
    has(
      /^still-referenced public\/img\/hero-2x\.png: kept, still referenced by public\/index\.html:12 \(not rewritten: a variant of public\/img\/hero\.png/,
    );
    has(/^still-referenced public\/img\/photo-copy\.png: kept, still referenced by public\/index\.html:14 \(not rewritten/);
    assert.equal(p.skipped.length, 5, reasons.join('\n'));

    const text = formatPlan(p, site.dir);
    for (const [file, at, oldText, newText] of EXPECTED_EDITS) {
      assert.ok(text.includes(`  ${file}`), `formatPlan lists ${file}`);
      assert.ok(text.includes(`    ${at}  ${oldText} → ${newText}`), `formatPlan shows ${file} ${at}`);
    }
    for (const rel of removed) assert.ok(text.includes(`  ${rel}  `), `formatPlan lists the removal of ${rel}`);
    assert.match(text, new RegExp(`Bytes reclaimed: ${String(p.bytesReclaimed).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')} bytes`));
    assert.match(text, /15 references to rewrite in 8 files, 3 images to remove/);
  });

  it('applies: exact file contents, style, BOM, Latin-1 and permissions kept, copies moved to the trash', async () => {
    const before = snapshot(site.dir);
    const refsBefore = await countResolved(site);
    assert.equal(refsBefore, 21);
    const p = await plan({ delete: true });
    const r = await apply(p);
    assert.equal(r.editsApplied, 15);
    assert.equal(r.filesWritten.length, 8);
    assert.equal(r.bytesReclaimed, p.bytesReclaimed);

    const expected = expectedSources();
    for (const [rel, text] of Object.entries(expected)) assert.equal(fs.readFileSync(site.file(rel), 'utf8'), text, rel);
    assert.deepEqual(fs.readFileSync(site.file('public/css/bom.css')).subarray(0, 3), Buffer.from([0xef, 0xbb, 0xbf]));
    assert.deepEqual(
      fs.readFileSync(site.file(LATIN1_REL)),
      Buffer.from(LATIN1_TEXT.replace('img/logo-copy.png', 'img/logo.png'), 'latin1'),
    );
    assert.equal(fs.statSync(site.file('public/about/team.html')).mode & 0o777, 0o640);

    for (const rel of [IMAGES.logoCopy, IMAGES.oldLogo, IMAGES.logoZ9]) {
      assert.equal(fs.existsSync(site.file(rel)), false, `${rel} removed`);
      const moved = r.removed.find((m) => m.path === site.file(rel));
      assert.ok(moved && fs.existsSync(moved.trashPath), `${rel} is in the trash`);
      assert.equal(
        before[rel].split(' ')[0],
        snapshot(path.dirname(moved.trashPath))[path.basename(moved.trashPath)].split(' ')[0],
        `${rel} kept byte for byte`,
      );
      assert.ok(moved.trashPath.startsWith(path.join(site.indexDir, 'trash', r.journalId as string)));
    }
    for (const rel of [IMAGES.logo, IMAGES.logoSmall, IMAGES.hero, IMAGES.hero2x, IMAGES.photo, IMAGES.photoCopy]) {
      assert.ok(fs.existsSync(site.file(rel)), `${rel} kept`);
    }
    // Nothing lost: every reference of every source file still resolves to a file, and there are as many as before.
    assert.equal(await countResolved(site), refsBefore);
    const j = journals(site);
    assert.equal(j.length, 1);
    assert.equal(j[0].state, 'applied');
    assert.equal(j[0].files.length, 8);
    assert.equal(j[0].moves.length, 3);
    // No temp file left beside the sources.
    assert.deepEqual(
      walk(site.dir).filter((f) => f.includes('.doublon-')),
      [],
    );
  });

  it('undo restores a byte-identical tree (removed images, permissions, Latin-1), then has nothing to undo', async () => {
    const before = snapshot(site.dir);
    await apply(await plan({ delete: true }));
    assert.notDeepEqual(snapshot(site.dir), before);
    const u = await undoLast({ indexDir: site.indexDir, roots: site.resolve.roots });
    assert.deepEqual(snapshot(site.dir), before);
    assert.equal(u.restored.length, 8);
    assert.equal(u.movedBack.length, 3);
    assert.deepEqual(u.forced, []);
    assert.equal(journals(site)[0].state, 'undone');
    assert.deepEqual(fs.readFileSync(site.file(LATIN1_REL)), Buffer.from(LATIN1_TEXT, 'latin1'));
    assert.equal(fs.statSync(site.file('public/about/team.html')).mode & 0o777, 0o640);
    await rejectsWith(
      undoLast({ indexDir: site.indexDir, roots: site.resolve.roots }),
      'nothing-to-undo',
      /^Nothing to undo: every replacement recorded in .* is already undone/,
    );
    assert.deepEqual(snapshot(site.dir), before);
  });

  it('says there is nothing to undo on a fresh index', async () => {
    await rejectsWith(
      undoLast({ indexDir: site.indexDir, roots: site.resolve.roots }),
      'nothing-to-undo',
      /^Nothing to undo: no replacement was applied/,
    );
  });

  it('two applies undo one after the other, newest first', async () => {
    const s0 = snapshot(site.dir);
    await apply(await plan({ classes: ['exact'] }));
    const s1 = snapshot(site.dir);
    const second = await plan({ classes: ['pixel'], delete: true });
    assert.deepEqual(
      editsOf(second, site).map((e) => e[2]),
      ['../public/img/logo-z9.png', '../img/logo-z9.png', 'img/logo-z9.png#top'],
    );
    await apply(second);
    assert.equal(fs.existsSync(site.file(IMAGES.logoZ9)), false);
    await undoLast({ indexDir: site.indexDir, roots: site.resolve.roots });
    assert.deepEqual(snapshot(site.dir), s1);
    await undoLast({ indexDir: site.indexDir, roots: site.resolve.roots });
    assert.deepEqual(snapshot(site.dir), s0);
    await rejectsWith(undoLast({ indexDir: site.indexDir, roots: site.resolve.roots }), 'nothing-to-undo', /Nothing to undo/);
  });

  it('with classes exact only, pixel and near copies keep their references and are never deleted', async () => {
    const p = await plan({ classes: ['exact'], delete: true });
    assert.deepEqual(
      p.files.flatMap((f) => f.edits).filter((e) => /z9|small/.test(e.oldText)),
      [],
    );
    const removed = p.removals.map((r) => path.relative(site.dir, r.path).split(path.sep).join('/'));
    assert.deepEqual(removed, [IMAGES.logoCopy, IMAGES.oldLogo]);
    await apply(p);
    assert.ok(fs.existsSync(site.file(IMAGES.logoZ9)));
    assert.ok(fs.existsSync(site.file(IMAGES.logoSmall)));
    assert.match(fs.readFileSync(site.file('public/index.html'), 'utf8'), /src="img\/logo-z9\.png#top"/);
  });

  it('rewrites near copies only when asked', async () => {
    const p = await plan({ classes: ['exact', 'pixel', 'near'], delete: true });
    const near = editsOf(p, site).filter((e) => e[2].includes('logo-small'));
    assert.deepEqual(near, [['public/index.html', '11:13', 'img/logo-small.jpg', 'img/logo.png']]);
    assert.ok(p.removals.some((r) => r.path === site.file(IMAGES.logoSmall)));
    assert.ok(!p.skipped.some((s) => s.code === 'class-not-selected'));
  });

  it('plans one group only with groupId, and names an unknown one', async () => {
    const p = await plan({ groupId: 'g-photo', delete: true });
    assert.deepEqual(p.files, []);
    assert.deepEqual(p.removals, []);
    assert.deepEqual(
      p.skipped.map((s) => s.code),
      ['variant', 'still-referenced'],
    );
    assert.match(formatPlan(p, site.dir), /Nothing to do\./);
    const r = await apply(p);
    assert.equal(r.journalId, undefined);
    await rejectsWith(plan({ groupId: 'nope' }), 'not-found', /No duplicate group "nope"/);
  });

  it('refuses the whole apply when a source file changed after planning, and writes nothing', async () => {
    const p = await plan({ delete: true });
    fs.appendFileSync(site.file('public/about/team.html'), '<!-- edited -->\n');
    const before = snapshot(site.dir);
    const e = await rejectsWith(apply(p), 'stale', /^public\/about\/team\.html changed since the plan was made; plan again\.$/);
    assert.equal(e.path, site.file('public/about/team.html'));
    assert.deepEqual(snapshot(site.dir), before);
    assert.deepEqual(journals(site), []);
  });

  it('refuses when an image to remove changed after planning', async () => {
    const p = await plan({ delete: true });
    fs.appendFileSync(site.file(IMAGES.oldLogo), 'x');
    const before = snapshot(site.dir);
    await rejectsWith(
      apply(p),
      'stale',
      /^public\/img\/old\/logo\.png, an image to remove, changed since the plan was made; plan again\.$/,
    );
    assert.deepEqual(snapshot(site.dir), before);
  });

  it('never deletes an image that a reference outside the plan points at (checked again at apply)', async () => {
    const p = await plan({ delete: true });
    fs.writeFileSync(site.file('public/new.html'), '<img src="img/old/logo.png">\n');
    const before = snapshot(site.dir);
    await rejectsWith(
      apply(p),
      'conflict',
      /^public\/img\/old\/logo\.png is now referenced by public\/new\.html:1, which the plan does not rewrite/,
    );
    assert.deepEqual(snapshot(site.dir), before);
    // Planned again, the new reference is rewritten too and the copy can go.
    const again = await plan({ delete: true });
    assert.ok(editsOf(again, site).some((e) => e[0] === 'public/new.html' && e[3] === 'img/logo.png'));
    await apply(again);
    assert.equal(fs.readFileSync(site.file('public/new.html'), 'utf8'), '<img src="img/logo.png">\n');
    assert.equal(fs.existsSync(site.file(IMAGES.oldLogo)), false);
  });

  it('rolls back to a byte-identical tree when a write fails half-way', async () => {
    const before = snapshot(site.dir);
    const p = await plan({ delete: true });
    let writes = 0;
    await rejectsWith(
      apply(p, {
        beforeStep: (s) => {
          if (s.kind === 'write' && ++writes === 4) throw new Error('disk full (simulated)');
        },
      }),
      'failed',
      /^Replacing failed at write of public\/css\/bom\.css: disk full \(simulated\)\. Everything done so far was rolled back/,
    );
    assert.ok(writes >= 4, 'the hook ran');
    assert.deepEqual(snapshot(site.dir), before);
    const j = journals(site);
    assert.equal(j.length, 1);
    assert.equal(j[0].state, 'rolled-back');
    await rejectsWith(undoLast({ indexDir: site.indexDir, roots: site.resolve.roots }), 'nothing-to-undo', /Nothing to undo/);
  });

  it('rolls back when a path is replaced by a folder mid-way (the second image cannot be moved)', async () => {
    const before = snapshot(site.dir);
    const p = await plan({ delete: true });
    let moves = 0;
    await rejectsWith(
      apply(p, {
        beforeStep: (s) => {
          if (s.kind !== 'move' || ++moves !== 2) return;
          // Read the journal being applied and put a folder where the second image is to go.
          const dir = path.join(site.indexDir, 'journal');
          const j = JSON.parse(
            fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.json')) as string), 'utf8'),
          ) as Journal;
          assert.equal(j.state, 'applying');
          fs.mkdirSync(j.moves[1].to, { recursive: true });
        },
      }),
      'failed',
      /^Replacing failed at move of public\/img\/old\/logo\.png: .*already exists/,
    );
    assert.equal(moves, 2);
    assert.deepEqual(snapshot(site.dir), before, 'sources restored and the first image moved back');
  });

  it('rolls back when a source file is replaced by a folder just before it is written', async () => {
    const before = snapshot(site.dir);
    const p = await plan({ delete: true });
    const victim = site.file('public/css/site.css');
    await rejectsWith(
      apply(p, {
        beforeStep: (s) => {
          if (s.kind === 'write' && s.path === victim) {
            fs.rmSync(victim);
            fs.mkdirSync(victim);
          }
        },
      }),
      'stale',
      /^public\/css\/site\.css changed while the plan was being applied; plan again\.$/,
    );
    assert.ok(fs.statSync(victim).isDirectory(), 'the folder is left alone');
    const now = snapshot(site.dir);
    assert.match(now['public/css/site.css/'], /^dir /);
    delete now['public/css/site.css/'];
    delete before['public/css/site.css'];
    assert.deepEqual(now, before, 'every other file as before (the files written earlier are restored)');
  });

  it('undo refuses after a later edit, names the file, and with force restores while saving that edit', async () => {
    const s0 = snapshot(site.dir);
    await apply(await plan({ delete: true }));
    const later = fs.readFileSync(site.file('public/css/site.css'), 'utf8') + '.new { color: red; }\n';
    fs.writeFileSync(site.file('public/css/site.css'), later);
    const edited = snapshot(site.dir);
    await rejectsWith(
      undoLast({ indexDir: site.indexDir, roots: site.resolve.roots }),
      'conflict',
      /^Cannot undo the replacement \d{6}-\S+ \(.*\): public\/css\/site\.css changed after the replacement was applied\. .*undo with force/,
    );
    assert.deepEqual(snapshot(site.dir), edited, 'a refused undo changes nothing');
    assert.equal(journals(site)[0].state, 'applied');
    const u = await undoLast({ indexDir: site.indexDir, roots: site.resolve.roots, force: true });
    assert.deepEqual(snapshot(site.dir), s0);
    assert.equal(u.forced.length, 1);
    assert.equal(u.forced[0].path, site.file('public/css/site.css'));
    assert.equal(fs.readFileSync(u.forced[0].savedAs, 'utf8'), later, 'the later edit is kept in the trash');
  });

  it("undo refuses when a removed image's place is taken", async () => {
    await apply(await plan({ delete: true }));
    fs.writeFileSync(site.file(IMAGES.logoCopy), 'someone else');
    await rejectsWith(
      undoLast({ indexDir: site.indexDir, roots: site.resolve.roots }),
      'conflict',
      /: public\/img\/logo-copy\.png was removed by the replacement, and something else is there now/,
    );
    assert.equal(fs.readFileSync(site.file(IMAGES.logoCopy), 'utf8'), 'someone else');
  });

  it('refuses a second apply while one holds the lock', async () => {
    const p = await plan({ delete: true });
    let inner: unknown;
    await apply(p, {
      beforeStep: async (s) => {
        // The outer apply holds the lock while it waits for this one.
        if (s.index === 0)
          inner = await apply(p).then(
            () => 'applied',
            (e: unknown) => e,
          );
      },
    });
    assert.ok(inner instanceof ReplaceError, String(inner));
    assert.equal(inner.code, 'busy');
    assert.match(inner.message, /another replace or undo is running \(pid \d+\)/);
    assert.equal(journals(site).length, 1);
  });
});

describe('replace: recovery when the roll-back itself fails', function () {
  this.timeout(60000);
  let site: Site;
  beforeEach(async () => {
    site = await makeSite();
  });
  afterEach(() => site.cleanup());

  it('says so, keeps the journal undoable, and undo --force finishes restoring a byte-identical tree', async () => {
    const before = snapshot(site.dir);
    const referencesTo = await site.index();
    const p = await makePlan({ groups: site.groups, referencesTo, resolve: site.resolve }, { delete: true });
    const index = site.file('public/index.html');
    let moves = 0;
    await rejectsWith(
      applyPlan(p, {
        indexDir: site.indexDir,
        referencesTo,
        groups: site.groups,
        resolve: site.resolve,
        beforeStep: (s) => {
          if (s.kind !== 'move' || ++moves !== 2) return;
          const j = journals(site)[0];
          fs.mkdirSync(j.moves[1].to, { recursive: true }); // the move fails…
          fs.rmSync(index);
          fs.mkdirSync(index); // …and so does putting back index.html
        },
      }),
      'rollback-failed',
      /^Replacing failed at move of public\/img\/old\/logo\.png .* and rolling back failed too: restore .*index\.html.*run undo/,
    );
    const j = journals(site)[0];
    assert.equal(j.state, 'applying');
    assert.match(j.error ?? '', /could not roll back/);
    // The other files were restored; the user removes the folder and asks undo to finish.
    assert.equal(fs.readFileSync(site.file('public/css/site.css'), 'utf8'), SOURCES['public/css/site.css']);
    fs.rmdirSync(index);
    await rejectsWith(
      undoLast({ indexDir: site.indexDir, roots: site.resolve.roots }),
      'conflict',
      /: public\/index\.html was removed after the replacement was applied/,
    );
    const u = await undoLast({ indexDir: site.indexDir, roots: site.resolve.roots, force: true });
    assert.deepEqual(u.restored, [index]);
    assert.deepEqual(snapshot(site.dir), before);
    assert.equal(journals(site)[0].state, 'undone');
  });
});
