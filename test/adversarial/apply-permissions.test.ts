/**
 * Permissions through replace --apply and undo: a read-only file is refused in the plan (not rewritten
 * through a rename), mode, owner and group are kept through apply and undo, a user who is not root never
 * rewrites a file they do not own, and temporary files left by an interrupted apply are cleaned by the next run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { permissionProblem } from '../../daemon/replace/permissions';
import type { ReplacePlan } from '../../daemon/replace';
import { makePhoto, tempDir } from '../fixtures/images';
import { runCli, spawnCli } from '../helpers/cli';
import { write } from '../helpers/site';

const NOBODY = 65534;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const modeOf = (file: string) => fs.statSync(file).mode & 0o7777;
const ownerOf = (file: string) => {
  const st = fs.statSync(file);
  return [st.uid, st.gid];
};

/** assets/logo.png (canonical) and its exact copies under copies/; `pages` map file → text. */
async function writeSite(root: string, copies: string[], pages: Record<string, string>): Promise<void> {
  const png = await makePhoto(11, 40, 30);
  await write(root, 'assets/logo.png', png);
  for (const c of copies) await write(root, c, png);
  await write(root, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
  for (const [file, text] of Object.entries(pages)) await write(root, file, text);
}

describe('adversarial: permissions through apply and undo', function () {
  this.timeout(90_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  beforeEach(() => {
    dir = tempDir('dbl-perm-');
    root = path.join(dir.path, 'site');
  });
  afterEach(() => dir.cleanup());

  it('refuses a read-only (0444) page and a read-only copy in the plan, with the reason; keeps modes through apply and undo', async () => {
    await writeSite(root, ['copies/logo.png', 'copies/logo-ro.png', 'copies/logo-600.png'], {
      'ro.html': '<img src="copies/logo.png">\n',
      'rw.html': '<img src="copies/logo.png">\n<img src="copies/logo-600.png">\n',
    });
    fs.chmodSync(path.join(root, 'ro.html'), 0o444);
    fs.chmodSync(path.join(root, 'rw.html'), 0o640);
    fs.chmodSync(path.join(root, 'copies/logo-ro.png'), 0o444);
    fs.chmodSync(path.join(root, 'copies/logo-600.png'), 0o600);

    const applied = await runCli(root, 'replace', '--apply', '--delete', '--json', '--no-progress');
    assert.equal(applied.code, 0, applied.stderr);
    const { plan } = JSON.parse(applied.stdout) as { plan: ReplacePlan };
    const reasons = plan.skipped.map((s) => `${s.code}: ${s.reason}`);
    assert.ok(
      reasons.some((r) => /^permission: ro\.html:1: copies\/logo\.png not rewritten: it is read-only \(mode 0444\)/.test(r)),
      reasons.join('\n'),
    );
    assert.ok(
      reasons.some((r) => /^permission: copies\/logo-ro\.png: kept, it is read-only \(mode 0444\)/.test(r)),
      reasons.join('\n'),
    );
    assert.ok(
      reasons.some((r) => /^still-referenced: copies\/logo\.png: kept, still referenced by ro\.html:1/.test(r)),
      reasons.join('\n'),
    );
    assert.deepEqual(
      plan.removals.map((r) => path.relative(root, r.path)),
      ['copies/logo-600.png'],
    );

    assert.equal(
      fs.readFileSync(path.join(root, 'ro.html'), 'utf8'),
      '<img src="copies/logo.png">\n',
      'a read-only file is never rewritten',
    );
    assert.equal(modeOf(path.join(root, 'ro.html')), 0o444);
    assert.equal(fs.readFileSync(path.join(root, 'rw.html'), 'utf8'), '<img src="assets/logo.png">\n<img src="assets/logo.png">\n');
    assert.equal(modeOf(path.join(root, 'rw.html')), 0o640, 'mode kept through apply');
    assert.ok(fs.existsSync(path.join(root, 'copies/logo-ro.png')));
    assert.ok(!fs.existsSync(path.join(root, 'copies/logo-600.png')));

    const undo = await runCli(root, 'undo');
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal(fs.readFileSync(path.join(root, 'rw.html'), 'utf8'), '<img src="copies/logo.png">\n<img src="copies/logo-600.png">\n');
    assert.equal(modeOf(path.join(root, 'rw.html')), 0o640, 'mode kept through undo');
    assert.equal(modeOf(path.join(root, 'copies/logo-600.png')), 0o600, 'a removed image comes back with its mode');
  });

  it('as root: a file owned by nobody keeps its owner and group through apply and undo', async function () {
    await writeSite(root, ['copies/logo.png'], {
      'theirs.html': '<img src="copies/logo.png">\n',
      'ours.html': '<img src="copies/logo.png">\n',
    });
    const theirs = path.join(root, 'theirs.html');
    if (!isRoot) {
      // Not root: chown is not ours to make; the rule itself is tested on real files below.
      assert.equal(permissionProblem(fs.statSync(theirs)), undefined, 'our own writable file may be changed');
      return;
    }
    fs.chownSync(theirs, NOBODY, NOBODY);
    fs.chownSync(path.join(root, 'copies/logo.png'), NOBODY, NOBODY);
    fs.chmodSync(theirs, 0o664);
    const applied = await runCli(root, 'replace', '--apply', '--delete', '--no-progress');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /Applied: 2 references rewritten in 2 files, 1 image moved to the trash/);
    assert.equal(fs.readFileSync(theirs, 'utf8'), '<img src="assets/logo.png">\n');
    assert.deepEqual(ownerOf(theirs), [NOBODY, NOBODY], 'owner kept through apply');
    assert.equal(modeOf(theirs), 0o664);
    const undo = await runCli(root, 'undo');
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal(fs.readFileSync(theirs, 'utf8'), '<img src="copies/logo.png">\n');
    assert.deepEqual(ownerOf(theirs), [NOBODY, NOBODY], 'owner kept through undo');
    assert.equal(modeOf(theirs), 0o664);
    assert.deepEqual(ownerOf(path.join(root, 'copies/logo.png')), [NOBODY, NOBODY], 'the image comes back with its owner');
  });

  it('not root (the CLI run as nobody): files of another owner or group are refused in the plan, theirs are rewritten', async function () {
    await writeSite(root, ['copies/logo.png'], {
      'mine.html': '<img src="copies/logo.png">\n',
      'roots.html': '<img src="copies/logo.png">\n',
      'group.html': '<img src="copies/logo.png">\n',
    });
    if (!isRoot) {
      // Cannot switch users: the rule on real files with this process's own identity and another one.
      const st = fs.statSync(path.join(root, 'mine.html'));
      assert.match(permissionProblem(st, { uid: st.uid + 1, gids: [st.gid] }) ?? '', /belongs to another user/);
      return;
    }
    // The folder is nobody's: renaming over root's file would succeed, and hand it to nobody.
    fs.chmodSync(dir.path, 0o755);
    const chownTree = (p: string) => {
      fs.chownSync(p, NOBODY, NOBODY);
      if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e));
    };
    chownTree(root);
    fs.chownSync(path.join(root, 'roots.html'), 0, 0);
    fs.chmodSync(path.join(root, 'roots.html'), 0o666); // even writable by everyone: still root's file
    fs.chownSync(path.join(root, 'group.html'), NOBODY, 0);
    fs.chmodSync(path.join(root, 'group.html'), 0o664);

    const result = spawnCli(root, { asNobody: true }, 'replace', '--apply', '--no-progress');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /roots\.html:1: copies\/logo\.png not rewritten: it belongs to another user \(uid 0, you are 65534\)/);
    assert.match(result.stdout, /group\.html:1: copies\/logo\.png not rewritten: its group \(gid 0\) is not one of yours/);
    assert.equal(fs.readFileSync(path.join(root, 'roots.html'), 'utf8'), '<img src="copies/logo.png">\n');
    assert.deepEqual(ownerOf(path.join(root, 'roots.html')), [0, 0]);
    assert.equal(fs.readFileSync(path.join(root, 'group.html'), 'utf8'), '<img src="copies/logo.png">\n');
    assert.deepEqual(ownerOf(path.join(root, 'group.html')), [NOBODY, 0]);
    assert.equal(fs.readFileSync(path.join(root, 'mine.html'), 'utf8'), '<img src="assets/logo.png">\n');
    assert.deepEqual(ownerOf(path.join(root, 'mine.html')), [NOBODY, NOBODY]);
  });

  it('the rule on real files: read-only refused for everyone, another owner or group refused unless root', async () => {
    await write(dir.path, 'f.txt', 'x');
    const file = path.join(dir.path, 'f.txt');
    if (isRoot) fs.chownSync(file, NOBODY, NOBODY); // a real foreign file (root's own rules are asked below)
    const st = fs.statSync(file);
    const other = st.uid === 1000 ? 1001 : 1000;
    assert.equal(permissionProblem(st, { uid: st.uid, gids: [st.gid] }), undefined, 'the owner, in its group, may change it');
    assert.match(
      permissionProblem(st, { uid: other, gids: [st.gid] }) ?? '',
      new RegExp(`belongs to another user \\(uid ${st.uid}, you are ${other}\\)`),
    );
    assert.match(
      permissionProblem(st, { uid: st.uid, gids: [other] }) ?? '',
      new RegExp(`its group \\(gid ${st.gid}\\) is not one of yours`),
    );
    assert.equal(permissionProblem(st, { uid: 0, gids: [] }), undefined, "root may change anyone's file (and gives the owner back)");
    fs.chmodSync(file, 0o444);
    assert.match(permissionProblem(fs.statSync(file), { uid: 0, gids: [] }) ?? '', /read-only \(mode 0444\)/);
  });

  it('removes leftover temp files of an interrupted apply on the next replace and undo: that exact pattern, older than the run, inside the roots', async () => {
    await writeSite(root, ['copies/logo.png'], { 'index.html': '<img src="copies/logo.png">\n' });
    const old = new Date(Date.now() - 3600_000);
    const make = (file: string, when = old) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'half-written');
      fs.utimesSync(file, when, when);
      return file;
    };
    const leftovers = [
      make(path.join(root, '.index.html.doublon-0123456789ab.tmp')),
      make(path.join(root, 'sub', '.page.html.doublon-abcdef012345.tmp')),
      make(path.join(root, '.doublon', 'journal', '.000001-x.json.doublon-00aa11bb22cc.tmp')),
    ];
    const kept = [
      make(path.join(root, '.index.html.doublon-notours.tmp')), // not the pattern
      make(path.join(root, 'index.html.doublon-0123456789ab.tmp')), // no leading dot
      make(path.join(root, '.later.html.doublon-0123456789ab.tmp'), new Date(Date.now() + 3600_000)), // newer than the run
      make(path.join(dir.path, 'elsewhere', '.x.html.doublon-0123456789ab.tmp')), // outside the roots
    ];
    const plan = spawnCli(root, {}, 'replace', '--no-progress');
    assert.equal(plan.code, 0, plan.stderr);
    for (const f of leftovers) assert.ok(!fs.existsSync(f), `${f} left behind`);
    for (const f of kept) assert.ok(fs.existsSync(f), `${f} removed`);
    assert.match(plan.stderr, /Removed \.index\.html\.doublon-0123456789ab\.tmp, a temporary file left by an interrupted replace or undo/);

    const again = make(path.join(root, '.index.html.doublon-0123456789ab.tmp'));
    const undo = spawnCli(root, {}, 'undo');
    assert.equal(undo.code, 2, 'nothing to undo');
    assert.ok(!fs.existsSync(again), 'undo cleans too');
    for (const f of kept) assert.ok(fs.existsSync(f));
  });
});
