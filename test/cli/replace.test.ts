import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';

/** Every file under a folder (the index excepted) with the hash of its bytes. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.doublon') walk(file);
      } else out[path.relative(root, file)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    }
  };
  walk(root);
  return out;
}

describe('doublon replace and undo (the example site)', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let site: string;
  beforeEach(() => {
    dir = tempDir('doublon-replace-');
    site = path.join(dir.path, 'city-site');
    fs.cpSync(path.resolve(__dirname, '../../../examples/city-site'), site, { recursive: true, filter: (p) => !p.includes('.doublon') });
  });
  afterEach(() => dir.cleanup());

  it('plans without changing anything', async () => {
    const before = snapshot(site);
    const result = await runCli(site, 'replace', '--delete');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {4}13:50 {2}img\/tour-eiffel\.jpg → \.\.\/assets\/shared\/photos\/eiffel-tower\.jpg$/m);
    assert.match(
      result.stdout,
      /^ {4}10:15 {2}\/news\/img\/logo\.png → \/assets\/shared\/logo\.png$/m,
      'root-relative stays root-relative',
    );
    assert.match(result.stdout, /Dry run: nothing was changed\./);
    assert.deepEqual(snapshot(site), before);
  });

  it('applies: references rewritten, copies moved to the trash, the check passes for exact/pixel; undo restores byte for byte', async () => {
    const before = snapshot(site);
    const apply = await runCli(site, 'replace', '--delete', '--apply');
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, /Applied: 6 references rewritten in 4 files, 5 images moved to the trash/);
    const news = fs.readFileSync(path.join(site, 'news/index.html'), 'utf8');
    assert.ok(news.includes('<img src="../assets/shared/logo.png" alt="Logo">'), news);
    assert.ok(!fs.existsSync(path.join(site, 'news/img/tour-eiffel.jpg')));
    const check = await runCli(site, 'check', '--fail-on', 'exact,pixel');
    assert.equal(check.code, 0, check.stdout);

    const undo = await runCli(site, 'undo');
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /4 files restored, 5 images moved back\./);
    assert.deepEqual(snapshot(site), before);
    const again = await runCli(site, 'undo');
    assert.equal(again.code, 2);
    assert.match(again.stderr, /nothing to undo/i);
  });

  it('keeps a srcset variant and near copies unless asked', async () => {
    const result = await runCli(site, 'replace', '--json', '--class', 'exact,pixel,near');
    const { plan } = JSON.parse(result.stdout) as {
      plan: { files: Array<{ path: string; edits: Array<{ oldText: string; newText: string }> }> };
    };
    const edits = plan.files.flatMap((f) => f.edits.map((e) => `${path.relative(site, f.path)}: ${e.oldText} -> ${e.newText}`));
    assert.ok(edits.includes('culture/monuments.md: img/chambord-old.jpg -> ../assets/shared/photos/chambord.jpg'), edits.join('\n'));
    assert.ok(!edits.some((e) => e.includes('reims-320.jpg')), 'the srcset variant is not a duplicate');
  });
});
