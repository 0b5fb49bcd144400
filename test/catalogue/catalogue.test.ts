/**
 * The catalogue against a real PostgreSQL server (a throwaway cluster of Debian's binaries, test/helpers/
 * postgres.ts): sites and a library in temp folders, published and checked with the real CLI as processes.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { encode, makePhoto, tempDir } from '../fixtures/images';
import { BIN } from '../helpers/cli';
import { startCluster, type TestCluster } from '../helpers/postgres';
import { freePort } from '../helpers/net';
import { write } from '../helpers/site';
import { startDaemonProcess, waitFor } from '../helpers/daemon';
import type { CatalogueState } from '../../protocol/catalogue';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process, the catalogue given through the environment (as CI would). */
function doublon(cwd: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('catalogue on PostgreSQL (real server)', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let dir: { path: string; cleanup(): void };
  let env: Record<string, string>;

  before(async () => {
    cluster = await startCluster();
    env = { DOUBLON_CATALOGUE: cluster.url };
  });
  after(() => cluster?.stop());
  beforeEach(async () => {
    dir = tempDir('doublon-catalogue-');
    // A fresh database per test: the cluster is shared, the catalogue is not.
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await admin.end();
  });
  afterEach(() => dir.cleanup());

  async function site(name: string, files: Record<string, Buffer>): Promise<string> {
    const root = path.join(dir.path, name);
    fs.mkdirSync(root, { recursive: true });
    for (const [rel, bytes] of Object.entries(files)) await write(root, rel, bytes);
    return root;
  }

  async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  it('reports a copy of a library image with the library URL, and fails the check for it', async () => {
    const logo = await makePhoto(11, 320, 240);
    const banner = await makePhoto(12, 400, 300);
    const library = await site('library', { 'public/logo.png': logo, 'public/banner.png': banner });
    const portal = await site('portal', {
      'img/logo-copy.png': logo,
      'img/banner-small.jpg': await encode(banner, 'jpeg', { width: 200, quality: 80 }),
      'img/own.png': await makePhoto(13, 320, 240),
    });
    fs.writeFileSync(path.join(library, 'doublon.config.json'), JSON.stringify({ webRoots: ['public'] }));

    const published = await doublon(
      library,
      env,
      'publish',
      '--library',
      '--repository',
      'city-library',
      '--public-url',
      'https://cdn.example.org/assets/',
      '--json',
    );
    assert.equal(published.code, 0, published.stderr);
    const result = JSON.parse(published.stdout) as { added: number; newContents: number; revision: number };
    assert.deepEqual([result.added, result.newContents, result.revision], [2, 2, 1]);

    const checked = await doublon(portal, env, 'check', '--repository', 'portal', '--format', 'json');
    assert.equal(checked.code, 1, checked.stderr);
    const report = JSON.parse(checked.stdout) as {
      catalogue: {
        findings: Array<{
          path: string;
          class: string;
          similarity: number;
          other: { repository: string; path: string; url?: string; library: boolean };
        }>;
        failing: number;
      };
    };
    const byPath = new Map(report.catalogue.findings.map((f) => [f.path, f]));
    assert.deepEqual(byPath.get('img/logo-copy.png')?.other, {
      repository: 'city-library',
      path: 'public/logo.png',
      library: true,
      url: 'https://cdn.example.org/assets/logo.png',
    });
    assert.equal(byPath.get('img/logo-copy.png')?.class, 'exact');
    // Not yet published by the portal: found by the on-the-spot search of unpublished contents.
    assert.equal(byPath.get('img/banner-small.jpg')?.class, 'near');
    assert.equal(byPath.get('img/banner-small.jpg')?.other.url, 'https://cdn.example.org/assets/banner.png');
    assert.ok(!byPath.has('img/own.png'));
    assert.equal(report.catalogue.failing, 2);

    // Once the portal has published, the near pair comes from the catalogue's stored pairs.
    assert.equal((await doublon(portal, env, 'publish', '--repository', 'portal')).code, 0);
    const pairs = await query<{ n: string }>('SELECT count(*) AS n FROM pairs');
    assert.equal(Number(pairs[0].n), 1);
    const text = await doublon(portal, env, 'check', '--repository', 'portal');
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /img\/logo-copy\.png: a copy of library image city-library:public\/logo\.png \(https:\/\/cdn\.example\.org\/assets\/logo\.png\)/,
    );
    assert.match(text.stdout, /img\/banner-small\.jpg: \d+\.\d % like library image city-library:public\/banner\.png/);

    // SARIF and GitLab Code Quality carry the same findings under the catalogue's rules, library copies as errors.
    const sarif = await doublon(portal, env, 'check', '--repository', 'portal', '--format', 'sarif');
    assert.equal(sarif.code, 1, sarif.stderr);
    const run = (
      JSON.parse(sarif.stdout) as {
        runs: Array<{
          tool: { driver: { rules: Array<{ id: string }> } };
          results: Array<{
            ruleId: string;
            ruleIndex: number;
            level: string;
            message: { text: string };
            locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
          }>;
        }>;
      }
    ).runs[0];
    const copies = run.results.filter((r) => r.ruleId === 'catalogue-library-copy');
    assert.deepEqual(copies.map((r) => [r.locations[0].physicalLocation.artifactLocation.uri, r.level]).sort(), [
      ['img/banner-small.jpg', 'error'],
      ['img/logo-copy.png', 'error'],
    ]);
    assert.ok(copies.every((r) => run.tool.driver.rules[r.ruleIndex].id === r.ruleId));
    assert.match(
      copies.find((r) => r.locations[0].physicalLocation.artifactLocation.uri === 'img/logo-copy.png')!.message.text,
      /served at https:\/\/cdn\.example\.org\/assets\/logo\.png/,
    );
    const gitlab = await doublon(portal, env, 'check', '--repository', 'portal', '--format', 'gitlab');
    const issues = JSON.parse(gitlab.stdout) as Array<{ check_name: string; severity: string; location: { path: string } }>;
    assert.deepEqual(
      issues
        .filter((i) => i.check_name === 'catalogue-library-copy')
        .map((i) => [i.location.path, i.severity])
        .sort(),
      [
        ['img/banner-small.jpg', 'major'],
        ['img/logo-copy.png', 'major'],
      ],
    );
    assert.equal(gitlab.stderr, '', 'nothing about the catalogue on stderr once the report carries it');
  });

  it("keeps the catalogue's keys in the index folder: a publish reads only the changes since the last one", async () => {
    const north = await site('north', { 'a.png': await makePhoto(51), 'b.png': await makePhoto(52), 'c.png': await makePhoto(53) });
    const south = await site('south', { 'd.png': await makePhoto(54), 'e.png': await makePhoto(55) });
    type Keys = { cached: number; added: number; removed: number; total: number };
    const publish = async (root: string): Promise<Keys | undefined> => {
      const run = await doublon(root, env, 'publish', '--repository', path.basename(root), '--json');
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { keys?: Keys }).keys;
    };
    const contents = async (): Promise<number> => Number((await query<{ n: string }>('SELECT count(*) AS n FROM contents'))[0].n);
    assert.deepEqual(await publish(north), { cached: 0, added: 3, removed: 0, total: 3 });
    assert.ok(fs.existsSync(path.join(north, '.doublon/catalogue-keys.bin')));
    assert.deepEqual(await publish(south), { cached: 0, added: 5, removed: 0, total: 5 });
    // north changes one image: its cache (3 keys) plus south's 2 and its own new one; the old content goes after.
    fs.writeFileSync(path.join(north, 'b.png'), await makePhoto(56));
    assert.deepEqual(await publish(north), { cached: 3, added: 3, removed: 0, total: 6 });
    // south adds one: its cache (5), north's new content and its own, minus north's removed one.
    await write(south, 'f.png', await makePhoto(57));
    const synced = await publish(south);
    assert.deepEqual(synced, { cached: 5, added: 2, removed: 1, total: 6 });
    assert.equal(synced?.total, await contents(), "the kept keys are exactly the catalogue's contents");
    // A cache of another catalogue (its identity differs) is not used.
    await query('UPDATE catalogue_identity SET id = gen_random_uuid()');
    await write(north, 'g.png', await makePhoto(58));
    assert.deepEqual(await publish(north), { cached: 0, added: 7, removed: 0, total: 7 });
  });

  it('a site naming a library in its config: publishes its own images only, the catalogue and replace give the library URL', async () => {
    const logo = await makePhoto(71, 320, 240);
    const library = await site('city-library', { 'logo.png': logo, 'pictos/bus.png': await makePhoto(72, 64, 64) });
    const cdn = 'https://cdn.city.example/assets/';
    assert.equal((await doublon(library, env, 'publish', '--library', '--repository', 'city-library', '--public-url', cdn)).code, 0);
    const portal = await site('portal', { 'img/logo.png': logo, 'img/own.png': await makePhoto(73, 320, 240) });
    fs.writeFileSync(path.join(portal, 'index.html'), '<img src="img/logo.png" alt="">\n');
    fs.writeFileSync(path.join(portal, 'doublon.config.json'), JSON.stringify({ libraries: [{ path: '../city-library', url: cdn }] }));

    const published = await doublon(portal, env, 'publish', '--repository', 'portal', '--json');
    assert.equal(published.code, 0, published.stderr);
    const rows = await query<{ path: string }>(
      "SELECT path FROM images i JOIN repositories r ON r.id = i.repository_id WHERE r.name = 'portal' ORDER BY path",
    );
    assert.deepEqual(
      rows.map((r) => r.path),
      ['img/logo.png', 'img/own.png'],
      "the library scanned with the site is not published as the site's",
    );

    const checked = await doublon(portal, env, 'check', '--repository', 'portal', '--format', 'json');
    assert.equal(checked.code, 1, checked.stderr);
    const report = JSON.parse(checked.stdout) as {
      groups: Array<{ canonicalUrl?: string }>;
      catalogue: { findings: Array<{ path: string; other: { repository: string; url?: string; library: boolean } }> };
    };
    assert.deepEqual(
      report.groups.map((g) => g.canonicalUrl),
      [`${cdn}logo.png`],
    );
    assert.deepEqual(
      report.catalogue.findings.map((f) => [f.path, f.other.repository, f.other.url, f.other.library]),
      [['img/logo.png', 'city-library', `${cdn}logo.png`, true]],
    );

    assert.equal((await doublon(portal, env, 'replace', '--no-daemon', '--apply', '--delete')).code, 0);
    assert.equal(fs.readFileSync(path.join(portal, 'index.html'), 'utf8'), `<img src="${cdn}logo.png" alt="">\n`);
    assert.equal((await doublon(portal, env, 'publish', '--repository', 'portal')).code, 0);
    const after = await doublon(portal, env, 'check', '--repository', 'portal', '--format', 'json');
    assert.equal(after.code, 0, after.stdout);
    assert.deepEqual((JSON.parse(after.stdout) as { catalogue: { findings: unknown[] } }).catalogue.findings, []);
    assert.equal((await doublon(portal, env, 'undo')).code, 0);
    assert.equal(fs.readFileSync(path.join(portal, 'index.html'), 'utf8'), '<img src="img/logo.png" alt="">\n');
  });

  it('publishes incrementally: only what changed, with the revision advancing', async () => {
    const root = await site('district', { 'a.png': await makePhoto(21), 'b.png': await makePhoto(22), 'c.png': await makePhoto(23) });
    const publish = async (): Promise<{ added: number; changed: number; removed: number; unchanged: number; revision: number }> => {
      const run = await doublon(root, env, 'publish', '--repository', 'district', '--json');
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as { added: number; changed: number; removed: number; unchanged: number; revision: number };
    };
    assert.deepEqual(pick(await publish()), { added: 3, changed: 0, removed: 0, unchanged: 0, revision: 1 });
    assert.deepEqual(pick(await publish()), { added: 0, changed: 0, removed: 0, unchanged: 3, revision: 2 });
    fs.writeFileSync(path.join(root, 'b.png'), await makePhoto(24));
    fs.rmSync(path.join(root, 'c.png'));
    assert.deepEqual(pick(await publish()), { added: 0, changed: 1, removed: 1, unchanged: 1, revision: 3 });
    const rows = await query<{ path: string }>(
      "SELECT path FROM images i JOIN repositories r ON r.id = i.repository_id WHERE r.name = 'district' ORDER BY path",
    );
    assert.deepEqual(
      rows.map((r) => r.path),
      ['a.png', 'b.png'],
    );
    // Contents no image uses any more are gone with their files.
    const contents = await query<{ n: string }>('SELECT count(*) AS n FROM contents');
    assert.equal(Number(contents[0].n), 2);
  });

  it('stays consistent when several sites publish at once, and finds pairs between contents they add together', async () => {
    const shared = await makePhoto(31, 400, 300);
    const roots = await Promise.all(
      [0, 1, 2, 3].map(async (i) =>
        site(`site-${i}`, {
          [`img/own-${i}.png`]: await makePhoto(40 + i),
          // Each site holds the shared photo re-encoded its own way: near copies of each other, none published before.
          [`img/shared.${i % 2 ? 'jpg' : 'webp'}`]: await encode(shared, i % 2 ? 'jpeg' : 'webp', { width: 400 - 40 * i, quality: 85 }),
        }),
      ),
    );
    const runs = await Promise.all(roots.map((root, i) => doublon(root, env, 'publish', '--repository', `site-${i}`)));
    runs.forEach((run) => assert.equal(run.code, 0, run.stderr));
    const perRepo = await query<{ name: string; n: string; revision: string }>(
      'SELECT r.name, r.revision, count(i.path) AS n FROM repositories r LEFT JOIN images i ON i.repository_id = r.id GROUP BY r.name, r.revision ORDER BY r.name',
    );
    assert.deepEqual(
      perRepo.map((r) => [r.name, Number(r.n), Number(r.revision)]),
      [0, 1, 2, 3].map((i) => [`site-${i}`, 2, 1]),
    );
    // 4 shared copies: every one of the 6 pairs among them was verified by whichever publish came second.
    const pairs = await query<{ n: string }>('SELECT count(*) AS n FROM pairs');
    assert.equal(Number(pairs[0].n), 6);
    const check = await doublon(roots[0], env, 'check', '--repository', 'site-0', '--format', 'json');
    const findings = (
      JSON.parse(check.stdout) as { catalogue: { findings: Array<{ other: { repository: string; library: boolean } }>; failing: number } }
    ).catalogue;
    assert.deepEqual(findings.findings.map((f) => f.other.repository).sort(), ['site-1', 'site-2', 'site-3']);
    // Copies in other sites are information, not failures: only library copies fail a site's check.
    assert.equal(findings.failing, 0);
    assert.equal(check.code, 0, check.stdout);
  });

  it('leaves the previous catalogue untouched when the connection drops during a publish', async () => {
    const root = await site('museum', { 'a.png': await makePhoto(51), 'b.png': await makePhoto(52) });
    assert.equal((await doublon(root, env, 'publish', '--repository', 'museum')).code, 0);
    const before = await query<{ path: string; sha: string }>("SELECT path, encode(sha256, 'hex') AS sha FROM images ORDER BY path");

    fs.writeFileSync(path.join(root, 'a.png'), await makePhoto(53));
    fs.rmSync(path.join(root, 'b.png'));
    fs.writeFileSync(path.join(root, 'c.png'), await makePhoto(54));
    // The server ends the publishing connection at its last step, after its rows were written in the transaction.
    await query(`CREATE FUNCTION drop_me() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;
                 CREATE TRIGGER drop_publish BEFORE UPDATE ON repositories FOR EACH ROW EXECUTE FUNCTION drop_me()`);
    const dropped = await doublon(root, env, 'publish', '--repository', 'museum');
    assert.equal(dropped.code, 2, dropped.stdout);
    assert.match(dropped.stderr, /catalogue at 127\.0\.0\.1:\d+\/catalogue/);
    assert.doesNotMatch(dropped.stderr, new RegExp(cluster.password));
    const after = await query<{ path: string; sha: string }>("SELECT path, encode(sha256, 'hex') AS sha FROM images ORDER BY path");
    assert.deepEqual(after, before);
    const revision = await query<{ revision: string }>("SELECT revision FROM repositories WHERE name = 'museum'");
    assert.equal(Number(revision[0].revision), 1);

    await query('DROP TRIGGER drop_publish ON repositories');
    const retried = await doublon(root, env, 'publish', '--repository', 'museum', '--json');
    assert.equal(retried.code, 0, retried.stderr);
    assert.deepEqual(pick(JSON.parse(retried.stdout)), { added: 1, changed: 1, removed: 1, unchanged: 0, revision: 2 });
  });

  it("makes another site's publish appear in a running daemon without a restart (LISTEN/NOTIFY)", async () => {
    const photo = await makePhoto(71, 320, 240);
    const siteB = await site('site-b', { 'img/photo.png': photo, 'img/other.png': await makePhoto(72) });
    const daemon = await startDaemonProcess(siteB, path.join(siteB, '.doublon'), {
      env: { ...process.env, ...env, DOUBLON_REPOSITORY: 'site-b' },
    });
    try {
      await daemon.idle();
      const connection = await daemon.connect();
      const notices: CatalogueState[] = [];
      connection.onNotification('doublon/catalogueChanged', (state: CatalogueState) => {
        notices.push(state);
      });
      const first = await waitFor('the catalogue to be connected', async () => {
        const state = await daemon.http.request<CatalogueState>('doublon/catalogue');
        return state.state === 'connected' ? state : undefined;
      });
      assert.deepEqual(first.findings, []);

      const siteA = await site('site-a', { 'assets/photo-copy.png': photo });
      assert.equal((await doublon(siteA, env, 'publish', '--repository', 'site-a', '--public-url', 'https://a.example.org/')).code, 0);
      const state = await waitFor('the copy in site A to appear', async () => {
        const now = await daemon.http.request<CatalogueState>('doublon/catalogue');
        return now.findings.length > 0 ? now : undefined;
      });
      assert.deepEqual(
        state.findings.map((f) => [f.path, f.class, f.other.repository, f.other.path, f.other.url]),
        [['img/photo.png', 'exact', 'site-a', 'assets/photo-copy.png', 'https://a.example.org/assets/photo-copy.png']],
      );
      await waitFor('the notification', () => notices.some((n) => n.findings.length === 1));
    } finally {
      await daemon.stop();
    }
  });

  it('says clearly when the catalogue refuses or cannot be reached, without the password, and the local check still runs', async () => {
    const photo = await makePhoto(61);
    const root = await site('library-site', { 'a.png': photo, 'copy/a.png': photo });
    const wrong = `postgres://${cluster.user}:not-the-password@127.0.0.1:${cluster.port}/${cluster.database}`;
    const refused = await doublon(root, { DOUBLON_CATALOGUE: wrong }, 'check');
    assert.equal(refused.code, 1, 'the local exact copy still fails the check');
    assert.match(refused.stdout, /a\.png/);
    assert.match(refused.stdout, /Catalogue: not checked \(the catalogue at 127\.0\.0\.1:\d+\/catalogue refused the credentials/);
    assert.doesNotMatch(refused.stdout + refused.stderr, /not-the-password/);

    const port = await freePort();
    const unreachable = await doublon(root, { DOUBLON_CATALOGUE: `postgres://u:secret@127.0.0.1:${port}/x` }, 'publish');
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, new RegExp(`the catalogue at 127\\.0\\.0\\.1:${port}/x is unreachable \\(ECONNREFUSED\\)`));
    assert.doesNotMatch(unreachable.stderr, /secret/);

    const none = await doublon(root, { DOUBLON_CATALOGUE: '', PGHOST: '', PGDATABASE: '' }, 'publish');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no catalogue given/);
  });
});

function pick(r: { added: number; changed: number; removed: number; unchanged: number; revision: number }): Record<string, number> {
  return { added: r.added, changed: r.changed, removed: r.removed, unchanged: r.unchanged, revision: r.revision };
}
